using Harmattan.Contracts;
using Harmattan.Stations;

namespace Harmattan.Storage;

public record StoredDailyAverage
{
    public required string StationId { get; init; }
    public required DateOnly Date { get; init; }
    public required int HoursCovered { get; init; }
    public required int HoursInDay { get; init; }
    public required double Completeness { get; init; }
    public required bool IsComplete { get; init; }
    public required IReadOnlyDictionary<string, QuantityStats> Quantities { get; init; }
    public required int AlgorithmVersion { get; init; }
    public required Guid SourceFetchId { get; init; }
    public required DateTimeOffset SourceFetchedAt { get; init; }

    /// <summary>
    /// The IANA zone the day was cut in; null for a SQLite row stored before rows recorded it, whose fetch is no longer
    /// archived.
    /// </summary>
    public string? TimeZone { get; init; }

    /// <summary>
    /// <see cref="SourceFetchedAt"/> when the row was written; later, the time of a fetch that sent no row for the day
    /// and left the row as it was: such a fetch never replaces a day that has rows (an outage answering nothing, or a
    /// day past what the source still serves, would otherwise erase it). What tells a command that its fetch of the day
    /// was processed.
    /// </summary>
    public DateTimeOffset SourceCheckedAt
    {
        get => _sourceCheckedAt ?? SourceFetchedAt;
        init => _sourceCheckedAt = value;
    }

    private readonly DateTimeOffset? _sourceCheckedAt;

    public DayCoverage Coverage => DayCoverages.Of(HoursCovered, Quantities.Count, IsComplete);

    /// <summary>
    /// Not complete, and not ended in its zone when it was fetched (today, usually): the hourly schedule fetches it again
    /// until it has, so its being incomplete says nothing of its data yet. A row that does not record its zone is cut in
    /// <paramref name="zoneWhenUnknown"/> (UTC when null).
    /// </summary>
    public bool IsRunning(string? zoneWhenUnknown = null) =>
        !IsComplete && DayWindows.NotEndedAt(Date, TimeZone ?? zoneWhenUnknown, SourceFetchedAt);

    /// <summary>
    /// <see cref="IsRunning(string?)"/> still at <paramref name="now"/>: until the end of the day after it, as the schedule
    /// fetches yesterday and today (Schedule:LookbackDays, 2 by default) however often it runs. A day not fetched again by
    /// then was left unfinished (the services stopped that day, say).
    /// </summary>
    public bool IsRunning(string? zoneWhenUnknown, DateTimeOffset now) =>
        IsRunning(zoneWhenUnknown) && DayWindows.NotEndedAt(Date.AddDays(1), TimeZone ?? zoneWhenUnknown, now);

    /// <summary>Cut in another zone than <paramref name="stationZone"/> (a row that records none is not).</summary>
    public bool IsCutInOtherZoneThan(TimeZoneInfo stationZone) => TimeZone is { } zone && !TimeZoneRules.SameRules(zone, stationZone);
}

public record StoredHourlyAverage
{
    public required string StationId { get; init; }
    public required DateTimeOffset Hour { get; init; }
    public required IReadOnlyDictionary<string, QuantityStats> Quantities { get; init; }
    public required int AlgorithmVersion { get; init; }
    public required Guid SourceFetchId { get; init; }
    public required DateTimeOffset SourceFetchedAt { get; init; }
}
