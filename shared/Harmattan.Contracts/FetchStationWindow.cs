namespace Harmattan.Contracts;

/// <summary>
/// Command: fetch one station's hourly readings for a window of whole days in its time zone.
/// </summary>
public record FetchStationWindow
{
    public required string StationId { get; init; }

    /// <summary>Inclusive start, a UTC instant at local midnight of the first day.</summary>
    public required DateTimeOffset WindowStart { get; init; }

    /// <summary>Exclusive end, a UTC instant at local midnight after the last day.</summary>
    public required DateTimeOffset WindowEnd { get; init; }

    /// <summary>IANA time zone of the station; days are cut in this zone.</summary>
    public string TimeZone { get; init; } = "UTC";

    /// <summary>Who asked: schedule, backfill, run.</summary>
    public string RequestedBy { get; init; } = "unknown";
}
