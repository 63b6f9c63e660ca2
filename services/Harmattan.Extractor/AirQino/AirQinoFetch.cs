using Harmattan.Contracts;

namespace Harmattan.Extractor;

/// <summary>What one request to AirQino gave for a station and a window.</summary>
public sealed record AirQinoFetch
{
    public required string StationId { get; init; }
    public required DateTimeOffset WindowStart { get; init; }
    public required DateTimeOffset WindowEnd { get; init; }

    /// <summary>The request URL (no credentials are ever part of it).</summary>
    public required string Source { get; init; }

    /// <summary>The rows in [WindowStart, WindowEnd), in source order, repeats included.</summary>
    public required IReadOnlyList<RawReading> Readings { get; init; }

    public required int RowsReceived { get; init; }
    public int RowsInWindow => Readings.Count;
    public required int RowsUnparseable { get; init; }

    /// <summary>The timestamp of the first row skipped as unparseable, as the source wrote it; empty when none was.</summary>
    public string FirstUnparseable { get; init; } = "";
}
