using Harmattan.Contracts;

namespace Harmattan.Storage.Archive;

/// <summary>
/// Which archived fetches replay still needs. Fetches made within the keep-all window are all kept. Older ones are
/// kept only if they are, for at least one station-day they cover, the newest fetch covering that day: by
/// <see cref="ArchivedFetch.FetchedAt"/>, then by fetch id, the order <c>harmattan replay</c> picks the newest fetch of
/// a window by; or the fetch a stored day's averages were computed from, which a newer fetch that sent no row for the
/// day did not replace. Every other fetch is superseded on each of its days by a kept one, so the loader would never
/// let it win; dropping it changes no replay.
/// </summary>
public static class ArchiveRetention
{
    /// <summary>
    /// The fetches of <paramref name="fetches"/> that can be dropped, fetched before <paramref name="keepAllSince"/> and
    /// not among <paramref name="storedFrom"/>, the fetches the stored daily averages were computed from.
    /// </summary>
    public static IReadOnlyList<ArchivedFetch> Superseded(IReadOnlyCollection<ArchivedFetch> fetches, DateTimeOffset keepAllSince,
        IReadOnlySet<Guid> storedFrom)
    {
        ArgumentNullException.ThrowIfNull(fetches);
        ArgumentNullException.ThrowIfNull(storedFrom);
        // Daily averages are keyed by (station, local date), so that is the key here too.
        var newestByDay = new Dictionary<(string StationId, DateOnly Day), ArchivedFetch>();
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
            {
                var key = (fetch.StationId, day);
                if (!newestByDay.TryGetValue(key, out var newest) || IsNewer(fetch, newest))
                    newestByDay[key] = fetch;
            }
        }

        var needed = new HashSet<Guid>(newestByDay.Values.Select(f => f.FetchId));
        return fetches
            .Where(f => f.FetchedAt < keepAllSince && !needed.Contains(f.FetchId) && !storedFrom.Contains(f.FetchId)
                        && !undatable.Contains(f.FetchId))
            .ToList();
    }

    /// <summary>
    /// What <c>harmattan replay</c> sends: the newest archived fetch of each window. An older fetch of the same window can
    /// never win over the newer one (same algorithm, older fetch time), so re-sending it would only cost work.
    /// </summary>
    public static IEnumerable<RawReadingsFetched> NewestPerWindow(IEnumerable<RawReadingsFetched> fetches) =>
        fetches.GroupBy(f => (f.WindowStart, f.WindowEnd)).Select(window => window.MaxBy(f => (f.FetchedAt, f.FetchId))!);

    /// <summary>The local days of the fetch's window, in the fetch's time zone, as the transformer cuts them.</summary>
    public static bool TryCoveredDays(ArchivedFetch fetch, out DateOnly first, out DateOnly last)
    {
        first = last = default;
        if (fetch.WindowEnd <= fetch.WindowStart || !TimeZoneInfo.TryFindSystemTimeZoneById(fetch.TimeZone, out var zone))
            return false;
        first = LocalDate(fetch.WindowStart, zone);
        last = LocalDate(fetch.WindowEnd.AddTicks(-1), zone);
        return true;
    }

    private static bool IsNewer(ArchivedFetch candidate, ArchivedFetch current) =>
        (candidate.FetchedAt, candidate.FetchId).CompareTo((current.FetchedAt, current.FetchId)) > 0;

    private static DateOnly LocalDate(DateTimeOffset instant, TimeZoneInfo zone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, zone).DateTime);
}
