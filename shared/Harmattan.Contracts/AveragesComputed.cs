using System.Text.Json.Serialization;

namespace Harmattan.Contracts;

/// <summary>
/// Event: hourly and daily aggregates of one <see cref="RawReadingsFetched"/> window.
/// </summary>
public record AveragesComputed
{
    public required string StationId { get; init; }
    public required DateTimeOffset WindowStart { get; init; }
    public required DateTimeOffset WindowEnd { get; init; }
    public string TimeZone { get; init; } = "UTC";
    public required Guid SourceFetchId { get; init; }
    public required DateTimeOffset SourceFetchedAt { get; init; }
    public required int AlgorithmVersion { get; init; }
    public required IReadOnlyList<HourlyAverage> Hourly { get; init; }
    public required IReadOnlyList<DailyAverage> Daily { get; init; }
}

public record HourlyAverage
{
    /// <summary>UTC start of the hour.</summary>
    public required DateTimeOffset Hour { get; init; }
    [JsonConverter(typeof(QuantityMapJsonConverter<QuantityStats>))]
    public required IReadOnlyDictionary<string, QuantityStats> Quantities { get; init; }
}

public record DailyAverage
{
    /// <summary>Calendar day in the station's time zone.</summary>
    public required DateOnly Date { get; init; }
    public required int HoursCovered { get; init; }
    public required int HoursInDay { get; init; }
    public required double Completeness { get; init; }
    public required bool IsComplete { get; init; }
    [JsonConverter(typeof(QuantityMapJsonConverter<QuantityStats>))]
    public required IReadOnlyDictionary<string, QuantityStats> Quantities { get; init; }
}

/// <summary>Mean, Min and Max are null when no value was accepted (Count = 0).</summary>
public record QuantityStats
{
    public double? Mean { get; init; }
    public double? Min { get; init; }
    public double? Max { get; init; }
    public required int Count { get; init; }
    public required int Rejected { get; init; }
}
