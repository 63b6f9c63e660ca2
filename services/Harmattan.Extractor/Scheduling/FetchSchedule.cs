using Harmattan.Contracts;
using Harmattan.Stations;

namespace Harmattan.Extractor.Scheduling;

/// <summary>A command of a scheduled run with the MessageId that any other run for the same hour gives it too.</summary>
public sealed record ScheduledFetch(Guid MessageId, FetchStationWindow Command);

/// <summary>Days a station's scheduled runs did not fetch and the next run will not cover either.</summary>
public sealed record ScheduleGap(string StationId, DateOnly From, DateOnly To, DateTimeOffset FetchedUntil)
{
    public int Days => To.DayNumber - From.DayNumber + 1;

    public string BackfillCommand => $"harmattan backfill --station {StationId} --from {From:yyyy-MM-dd} --to {To:yyyy-MM-dd}";
}

/// <summary>
/// What a scheduled run fetches, as pure functions of the run instant: every run asks each station for its last
/// <c>LookbackDays</c> local days, so one run after an outage inside the lookback fetches everything missed.
/// </summary>
public static class FetchSchedule
{
    public const string RequestedBy = "schedule";

    /// <summary>The hour a run belongs to (UTC); every run within it sends the same MessageIds.</summary>
    public static DateTimeOffset RunHour(DateTimeOffset runAt)
    {
        var utc = runAt.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }

    public static IReadOnlyList<ScheduledFetch> Plan(DateTimeOffset runAt, IEnumerable<StationConfig> stations, int lookbackDays)
    {
        var runHour = RunHour(runAt);
        return stations.Select(station =>
        {
            var window = DayWindows.LastDays(runAt, lookbackDays, station.FindTimeZone());
            var command = new FetchStationWindow
            {
                StationId = station.Id,
                WindowStart = window.Start,
                WindowEnd = window.End,
                TimeZone = station.TimeZone,
                RequestedBy = RequestedBy,
            };
            return new ScheduledFetch(MessageId(station.Id, window, runHour), command);
        }).ToList();
    }

    public static Guid MessageId(string stationId, UtcWindow window, DateTimeOffset runHour)
    {
        using var id = new DeterministicGuid();
        return id.Append(nameof(FetchStationWindow)).Append(RequestedBy).Append(stationId)
            .Append(window.Start.UtcTicks).Append(window.End.UtcTicks).Append(runHour.UtcTicks)
            .ToGuid();
    }

    /// <summary>
    /// The local days between the instant the station's fetches reach (<see cref="Harmattan.Storage.IPipelineStore.GetFetchedUntilAsync"/>)
    /// and the first day this run covers, or null when the run covers everything since (or nothing was ever fetched: a
    /// first backfill is the operator's choice). The day of that instant is included: its later hours were never fetched; so
    /// is the day before when its last hour had not ended by then (the instant is the fetch's, or its window's end when
    /// earlier, so a window ending with such a day counts it too: one day more to backfill at most).
    /// </summary>
    public static ScheduleGap? FindGap(StationConfig station, DateTimeOffset runAt, int lookbackDays, DateTimeOffset? fetchedUntil)
    {
        if (fetchedUntil is not { } last)
            return null;
        var zone = station.FindTimeZone();
        var firstCovered = DayWindows.LocalDate(runAt, zone).AddDays(1 - lookbackDays);
        var lastFetchedDay = DayWindows.LocalDate(last, zone);
        // In a zone whose days do not begin on the hour (Asia/Kolkata), a day's last hour ends after the day: reached
        // between the two, the day before lacks that hour.
        if (DayWindows.EndOfLastHour(lastFetchedDay.AddDays(-1), zone) > last)
            lastFetchedDay = lastFetchedDay.AddDays(-1);
        return lastFetchedDay < firstCovered
            ? new ScheduleGap(station.Id, lastFetchedDay, firstCovered.AddDays(-1), last)
            : null;
    }
}
