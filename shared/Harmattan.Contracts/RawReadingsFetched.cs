namespace Harmattan.Contracts;

/// <summary>
/// Event: the rows the source returned for one station and one window of at most 7 whole days.
/// Rows are kept as the source sent them (repeats included) so the transformer applies every rule.
/// </summary>
public record RawReadingsFetched
{
    /// <summary>Deterministic: the same station, window and content give the same id.</summary>
    public required Guid FetchId { get; init; }

    public required string StationId { get; init; }
    public required DateTimeOffset WindowStart { get; init; }
    public required DateTimeOffset WindowEnd { get; init; }
    public string TimeZone { get; init; } = "UTC";

    /// <summary>Where the rows came from (the request URL without credentials).</summary>
    public required string Source { get; init; }

    public required DateTimeOffset FetchedAt { get; init; }

    public required IReadOnlyList<RawReading> Readings { get; init; }
}

/// <summary>
/// One source row: the UTC start of its hour and its values by canonical quantity name.
/// A key that is present with a null value means the source sent a null or a non-number.
/// </summary>
public record RawReading
{
    public required DateTimeOffset Hour { get; init; }
    public required IReadOnlyDictionary<string, double?> Values { get; init; }
}
