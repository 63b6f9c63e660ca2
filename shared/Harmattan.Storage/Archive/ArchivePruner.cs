using Harmattan.Contracts;
using Harmattan.Stations;

namespace Harmattan.Storage.Archive;

/// <summary>What a prune dropped (or, in a dry run, would drop) and kept, per station.</summary>
public sealed record ArchivePruneReport(DateTimeOffset KeepAllSince, bool DryRun, IReadOnlyList<ArchivePruneStation> Stations)
{
    public long FetchesDropped => Stations.Sum(s => s.Dropped.Fetches);
    public long BytesDropped => Stations.Sum(s => s.Dropped.ReadingsBytes);
    public long FetchesKept => Stations.Sum(s => s.Kept.Fetches);
    public long BytesKept => Stations.Sum(s => s.Kept.ReadingsBytes);
}

/// <param name="FetchedAgain">
/// Fetches the plan dropped that were fetched again before they were deleted (the same readings: the fetch keeps its id
/// and takes the new fetch time, so it is the newest again) and are kept; counted in <paramref name="Kept"/>.
/// </param>
public sealed record ArchivePruneStation(string StationId, ArchiveStationSize Dropped, ArchiveStationSize Kept, int FetchedAgain = 0);

/// <summary>
/// Applies <see cref="ArchiveRetention"/> to a store, one station at a time (a station's fetch list, without readings,
/// its daily rows, and the fetches of one day stored without rows are all it holds in memory). Safe beside running
/// writers: a fetch archived meanwhile is younger than the keep-all window, and a plan made before it arrived only drops
/// fetches that a kept one already supersedes; a planned fetch fetched again meanwhile is not deleted (see
/// <see cref="IPipelineStore.DeleteRawFetchesAsync"/>).
/// </summary>
public static class ArchivePruner
{
    public static async Task<ArchivePruneReport> PruneAsync(IPipelineStore store, DateTimeOffset now, int keepAllDays, bool dryRun,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfNegative(keepAllDays);
        var keepAllSince = now.AddDays(-keepAllDays);
        var stations = new List<ArchivePruneStation>();
        foreach (var stationId in await store.GetArchivedStationIdsAsync(cancellationToken))
        {
            var fetches = await store.GetArchivedFetchesAsync(stationId, cancellationToken);
            var storedDays = await store.GetDailyAveragesAsync(stationId, DateOnly.MinValue, DateOnly.MaxValue, cancellationToken);
            var order = FetchTimeOrder.At(now);
            var needed = storedDays.Select(d => d.SourceFetchId).ToHashSet();
            needed.UnionWith(await NewestWithRowsOfDaysWithoutAsync(store, storedDays, order, cancellationToken));
            var dropped = ArchiveRetention.Superseded(fetches, keepAllSince, needed, order);
            var fetchedAgain = new List<ArchivedFetch>();
            if (!dryRun && dropped.Count > 0 && await store.DeleteRawFetchesAsync(dropped, cancellationToken) < dropped.Count)
            {
                // Left by the delete: fetched again meanwhile, or already dropped by another prune (then no longer archived).
                var archived = (await store.GetArchivedFetchesAsync(stationId, cancellationToken)).ToDictionary(f => f.FetchId);
                fetchedAgain = dropped.Where(f => archived.ContainsKey(f.FetchId)).ToList();
                dropped = dropped.Except(fetchedAgain).ToList();
            }
            var droppedIds = dropped.Select(f => f.FetchId).ToHashSet();
            stations.Add(new ArchivePruneStation(stationId, ArchiveStationSize.Of(stationId, dropped),
                ArchiveStationSize.Of(stationId, fetches.Where(f => !droppedIds.Contains(f.FetchId))), fetchedAgain.Count));
        }
        if (!dryRun && stations.Any(s => s.Dropped.Fetches > 0))
            await store.ReclaimArchiveSpaceAsync(cancellationToken);
        return new ArchivePruneReport(keepAllSince, dryRun, stations);
    }

    /// <summary>
    /// For each of the days stored without rows, the newest archived fetch with rows for it: a replay stores those rows.
    /// Read day by day, readings included; such days are few (outages).
    /// </summary>
    private static async Task<IEnumerable<Guid>> NewestWithRowsOfDaysWithoutAsync(IPipelineStore store,
        IEnumerable<StoredDailyAverage> storedDays, FetchTimeOrder order, CancellationToken cancellationToken)
    {
        var needed = new List<Guid>();
        foreach (var day in storedDays.Where(d => d.Coverage == DayCoverage.MissingAtSource))
        {
            if (day.TimeZone is not null && StationsOptions.TryFindTimeZone(day.TimeZone, out var zone))
            {
                var window = DayWindows.ForDays(day.Date, day.Date, zone);
                var fetches = await store.GetRawFetchesAsync(day.StationId, window.Start, window.End, cancellationToken);
                if (ArchiveRetention.NewestWithRowsIn(fetches, window, order) is { } newest)
                    needed.Add(newest.FetchId);
                continue;
            }
            // A day that records no zone: replay cuts it in the station's, not known here, so every fetch with rows for
            // the date in any zone (UTC-14 to UTC+14) is kept.
            var midnight = DayWindows.StartOfDay(day.Date, TimeZoneInfo.Utc);
            var anyZone = new UtcWindow(midnight.AddHours(-14), midnight.AddHours(38));
            needed.AddRange((await store.GetRawFetchesAsync(day.StationId, anyZone.Start, anyZone.End, cancellationToken))
                .Where(f => ArchiveRetention.HasRowsIn(f, anyZone)).Select(f => f.FetchId));
        }
        return needed;
    }
}
