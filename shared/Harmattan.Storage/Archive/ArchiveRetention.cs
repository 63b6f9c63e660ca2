using Harmattan.Contracts;
using Harmattan.Stations;

namespace Harmattan.Storage.Archive;

/// <summary>
/// Which archived fetches replay still needs. Fetches made within the keep-all window are all kept. Older ones are
/// kept only if they are, for at least one station-day they cover or one UTC hour of their window (the same where a
/// station's days were always cut in one zone; after a change of its zone a newer fetch of a date may cover other
/// hours than an older one did), the newest fetch covering that day or hour: by
/// <see cref="ArchivedFetch.FetchedAt"/> in the stores' <see cref="FetchTimeOrder"/>, then by fetch id, the order
/// <c>harmattan replay</c> picks the newest fetch of a window by; or the fetch a stored day's averages were computed
/// from, which a newer fetch that sent no row for the day did not replace; or, for a day stored without rows, the newest
/// fetch with rows for it, which replaces such a day (stored so before a day with rows replaced one without in either
/// order of arrival, or while its fetch with rows was not loaded). Every other fetch is superseded on each of its days by
/// a kept one, so the loader would never let it win; dropping it changes no replay.
/// </summary>
public static class ArchiveRetention
{
    /// <summary>
    /// The fetches of <paramref name="fetches"/> that can be dropped, fetched before <paramref name="keepAllSince"/> and
    /// not among <paramref name="needed"/>: the fetches the stored daily averages were computed from, and the newest with
    /// rows for each day stored without.
    /// </summary>
    public static IReadOnlyList<ArchivedFetch> Superseded(IReadOnlyCollection<ArchivedFetch> fetches, DateTimeOffset keepAllSince,
        IReadOnlySet<Guid> needed, FetchTimeOrder order)
    {
        ArgumentNullException.ThrowIfNull(fetches);
        ArgumentNullException.ThrowIfNull(needed);
        // Daily averages are keyed by (station, local date), so that is the key here too.
        var newestByDay = new Dictionary<(string StationId, DateOnly Day), ArchivedFetch>();
        // Hourly averages are keyed by (station, UTC hour): after a change of the station's zone, the hours at the edge of
        // a refetched range may be in no newer fetch, and replay recomputes them from this one.
        var newestByHour = new Dictionary<(string StationId, DateTimeOffset Hour), ArchivedFetch>();
        var undatable = new HashSet<Guid>();
        foreach (var fetch in fetches)
        {
            if (!TryCoveredDays(fetch, out var first, out var last))
            {
                // A fetch whose days cannot be told (unknown time zone, empty window) is never dropped.
                undatable.Add(fetch.FetchId);
                continue;
            }
            for (var day = first; day <= last; day = day.AddDays(1))
                KeepNewest(newestByDay, (fetch.StationId, day), fetch, order);
            for (var hour = FirstHourIn(fetch.WindowStart); hour < fetch.WindowEnd; hour = hour.AddHours(1))
                KeepNewest(newestByHour, (fetch.StationId, hour), fetch, order);
        }

        var newestOfADayOrHour = newestByDay.Values.Concat(newestByHour.Values).Select(f => f.FetchId).ToHashSet();
        return fetches
            .Where(f => f.FetchedAt < keepAllSince && !newestOfADayOrHour.Contains(f.FetchId) && !needed.Contains(f.FetchId)
                        && !undatable.Contains(f.FetchId))
            .ToList();
    }

    private static void KeepNewest<TKey>(Dictionary<TKey, ArchivedFetch> newestByKey, TKey key, ArchivedFetch fetch, FetchTimeOrder order)
        where TKey : notnull
    {
        if (!newestByKey.TryGetValue(key, out var newest) || IsNewer((fetch.FetchedAt, fetch.FetchId), (newest.FetchedAt, newest.FetchId), order))
            newestByKey[key] = fetch;
    }

    /// <summary>
    /// The first start of a UTC hour at or after <paramref name="windowStart"/>: readings are hourly, on the hour, and a
    /// window starts at a local midnight, which is half past or a quarter past the hour in some zones.
    /// </summary>
    private static DateTimeOffset FirstHourIn(DateTimeOffset windowStart)
    {
        var hour = new DateTimeOffset(windowStart.UtcTicks - windowStart.UtcTicks % TimeSpan.TicksPerHour, TimeSpan.Zero);
        return hour < windowStart ? hour.AddHours(1) : hour;
    }

    /// <summary>
    /// What <c>harmattan replay</c> sends: the newest archived fetch of each window. An older fetch of the same window can
    /// never win over the newer one (same algorithm, older fetch time), so re-sending it would only cost work.
    /// </summary>
    public static IEnumerable<RawReadingsFetched> NewestPerWindow(IEnumerable<RawReadingsFetched> fetches, FetchTimeOrder order) =>
        fetches.GroupBy(f => (f.WindowStart, f.WindowEnd)).Select(window => window.Aggregate((newest, fetch) =>
            IsNewer((fetch.FetchedAt, fetch.FetchId), (newest.FetchedAt, newest.FetchId), order) ? fetch : newest));

    /// <summary>
    /// The newest of <paramref name="fetches"/> (in <paramref name="order"/>) with a reading in <paramref name="window"/>.
    /// </summary>
    public static RawReadingsFetched? NewestWithRowsIn(IEnumerable<RawReadingsFetched> fetches, UtcWindow window, FetchTimeOrder order) =>
        fetches.Where(f => HasRowsIn(f, window))
            .Aggregate((RawReadingsFetched?)null, (newest, fetch) =>
                newest is null || IsNewer((fetch.FetchedAt, fetch.FetchId), (newest.FetchedAt, newest.FetchId), order) ? fetch : newest);

    /// <summary>Whether <paramref name="fetch"/> has a reading whose hour starts in <paramref name="window"/>.</summary>
    public static bool HasRowsIn(RawReadingsFetched fetch, UtcWindow window) =>
        fetch.Readings.Any(r => r.Hour >= window.Start && r.Hour < window.End);

    /// <summary>The local days of the fetch's window, in the fetch's time zone, as the transformer cuts them.</summary>
    public static bool TryCoveredDays(ArchivedFetch fetch, out DateOnly first, out DateOnly last)
    {
        first = last = default;
        if (fetch.WindowEnd <= fetch.WindowStart || !StationsOptions.TryFindTimeZone(fetch.TimeZone, out var zone))
            return false;
        (first, last) = DayWindows.DaysOf(fetch.WindowStart, fetch.WindowEnd, zone);
        return true;
    }

    /// <summary>Later in <paramref name="order"/>, then, between fetches made at the same instant, the larger fetch id.</summary>
    private static bool IsNewer((DateTimeOffset FetchedAt, Guid FetchId) fetch, (DateTimeOffset FetchedAt, Guid FetchId) current,
        FetchTimeOrder order) =>
        fetch.FetchedAt == current.FetchedAt
            ? fetch.FetchId.CompareTo(current.FetchId) > 0
            : order.NotOlder(fetch.FetchedAt, current.FetchedAt);
}
