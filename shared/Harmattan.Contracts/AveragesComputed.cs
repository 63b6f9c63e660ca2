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
    public required IReadOnlyDictionary<string, QuantityStats> Quantities { get; init; }
}

/// <summary>Mean, Min and Max are null when no value was accepted (Count = 0).</summary>
/// <remarks>
/// A value type of 40 bytes: an hour's statistics are one array of these rather than an object per quantity, which
/// the transformer makes for every value it reads. <c>default</c> is "nothing accepted, nothing rejected".
/// </remarks>
public readonly record struct QuantityStats
{
    private readonly double _mean;
    private readonly double _min;
    private readonly double _max;
    private readonly Present _present;

    public double? Mean
    {
        get => (_present & Present.Mean) != 0 ? _mean : null;
        init => (_mean, _present) = value is { } v ? (v, _present | Present.Mean) : (0, _present & ~Present.Mean);
    }

    public double? Min
    {
        get => (_present & Present.Min) != 0 ? _min : null;
        init => (_min, _present) = value is { } v ? (v, _present | Present.Min) : (0, _present & ~Present.Min);
    }

    public double? Max
    {
        get => (_present & Present.Max) != 0 ? _max : null;
        init => (_max, _present) = value is { } v ? (v, _present | Present.Max) : (0, _present & ~Present.Max);
    }

    public required int Count { get; init; }
    public required int Rejected { get; init; }

    [Flags]
    private enum Present : byte
    {
        Mean = 1,
        Min = 2,
        Max = 4,
    }
}
