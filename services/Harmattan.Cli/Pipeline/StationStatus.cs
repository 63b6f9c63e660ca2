using Harmattan.Storage;

namespace Harmattan.Cli.Pipeline;

/// <summary>What <c>harmattan status</c> says about one station, read from the store.</summary>
/// <param name="Running">
/// Of the incomplete days, those not ended when fetched that the schedule still fetches again
/// (<see cref="StoredDailyAverage.IsRunning(string?, DateTimeOffset)"/>).
/// </param>
/// <param name="CutInOtherZonesSpan">The first and last of the days cut in another zone, for the backfill that fetches them again.</param>
/// <param name="NotFetchedSinceEnded">
/// Of the incomplete days, those fetched before they ended and no longer running: left unfinished (the services stopped
/// that day, say), which a backfill fetches whole.
/// </param>
/// <param name="WithoutValue">
/// Of the missing days, those stored without a value: no row at the source, or every value rejected. The others were never
/// fetched (a backfill fetches them; these, fetched again, only if the source has rows for them since).
/// </param>
/// <param name="CutInOtherZones">
/// Of the stored days, how many were cut in each zone other than <see cref="StationDays.TimeZone"/>: after a change of a
/// station's zone, the dates counted are the old zone's until they are fetched again.
/// </param>
/// <param name="ZoneSeams">Stored days in a row cut in zones of different offsets, whose hours overlap or leave a gap.</param>
public sealed record StationStatus(
    StationDays Days,
    StationActivity Activity,
    TimeSpan? DataAge,
    int Complete,
    int Incomplete,
    int Missing,
    int Running = 0,
    IReadOnlyDictionary<string, int>? CutInOtherZones = null,
    int WithoutValue = 0,
    IReadOnlyList<DateOnly>? NotFetchedSinceEnded = null,
    (DateOnly First, DateOnly Last)? CutInOtherZonesSpan = null,
    IReadOnlyList<ZoneSeam>? ZoneSeams = null)
{
    public const int RecentDays = 30;

    public string StationId => Days.StationId;

    /// <summary>No data at all, or data older than <paramref name="maxAge"/>.</summary>
    public bool IsOlderThan(TimeSpan maxAge) => DataAge is not { } age || age > maxAge;

    /// <summary>
    /// The station's activity and its last <see cref="RecentDays"/> local days (today included) at
    /// <paramref name="now"/>. Data age runs from the end of the last stored hour; a day is missing with no daily row
    /// or no hour covered.
    /// </summary>
    public static Task<StationStatus> ReadAsync(IPipelineStore store, StationDays station, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        ReadAsync(store, station with { From = station.To.AddDays(1 - RecentDays) }, now, wholeRange: true, cancellationToken);

    /// <summary>The station's activity and the days of <paramref name="station"/>'s range, as asked (<c>--from/--to</c>).</summary>
    public static async Task<StationStatus> ReadAsync(IPipelineStore store, StationDays station, DateTimeOffset now, bool wholeRange,
        CancellationToken cancellationToken)
    {
        if (!wholeRange)
            return await ReadAsync(store, station, now, cancellationToken);
        var recent = station;
        var activity = await store.GetStationActivityAsync(recent.StationId, cancellationToken);
        var counts = new StoredDayCounts();
        var otherZones = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var notFetchedSinceEnded = new List<DateOnly>();
        (DateOnly First, DateOnly Last)? otherZonesSpan = null;
        var seams = new List<ZoneSeam>();
        StoredDailyAverage? previous = null;
        foreach (var day in await store.GetDailyAveragesAsync(recent.StationId, recent.From, recent.To, cancellationToken))
        {
            if (previous is not null && ZoneSeam.Between(previous, day, recent.TimeZone) is { } seam)
                seams.Add(seam);
            previous = day;
            var notEndedWhenFetched = recent.IsRunning(day);
            var running = day.IsRunning(recent.TimeZone.Id, now);
            // Fetched before it ended, and no longer running: left unfinished.
            if (notEndedWhenFetched && !running)
                notFetchedSinceEnded.Add(day.Date);
            counts = counts.Add(day, running: running, notEndedWhenFetched: notEndedWhenFetched);
            if (day.IsCutInOtherZoneThan(recent.TimeZone))
            {
                otherZones[day.TimeZone!] = otherZones.GetValueOrDefault(day.TimeZone!) + 1;
                otherZonesSpan = (otherZonesSpan?.First ?? day.Date, day.Date);
            }
        }
        return new StationStatus(recent, activity, activity.DataAge(now), counts.Complete, counts.Incomplete,
            recent.DayCount - counts.Complete - counts.Incomplete, counts.Running, otherZones, counts.MissingAtSource + counts.AllRejected,
            notFetchedSinceEnded, otherZonesSpan, seams);
    }
}
