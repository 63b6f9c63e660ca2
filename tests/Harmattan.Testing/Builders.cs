using Harmattan.Contracts;

namespace Harmattan.Testing;

/// <summary>Messages as the services would produce them, with defaults for what a test does not care about.</summary>
public static class Builders
{
    /// <summary>Statistics of <paramref name="count"/> values whose mean, min and max are all <paramref name="value"/>.</summary>
    public static QuantityStats Stats(double value, int count = 1, int rejected = 0) =>
        new() { Mean = value, Min = value, Max = value, Count = count, Rejected = rejected };

    /// <summary>CO only, at <paramref name="co"/>.</summary>
    public static IReadOnlyDictionary<string, QuantityStats> Co(double co, int count = 1) =>
        new Dictionary<string, QuantityStats> { [QuantityNames.Co] = Stats(co, count) };

    /// <summary>
    /// The averages of <paramref name="days"/> UTC days from <paramref name="day"/>: on each day the hours listed in
    /// <paramref name="hours"/> (default: the first <paramref name="hoursCovered"/> hours) with
    /// <paramref name="quantities"/> (default: CO at 0.5), and the day's aggregate with the same quantities.
    /// A day without hours has no quantities, as the transformer stores a day missing at the source.
    /// </summary>
    public static AveragesComputed Averages(string stationId, DateOnly day, int hoursCovered = 24,
        IReadOnlyDictionary<string, QuantityStats>? quantities = null, DateTimeOffset? fetchedAt = null, int algorithmVersion = 1,
        Guid? fetchId = null, bool? isComplete = null, int days = 1, IReadOnlyList<int>? hours = null)
    {
        var start = Midnight(day);
        var end = start.AddDays(days);
        var stats = quantities ?? Co(0.5);
        var hoursOfDay = hours ?? [.. Enumerable.Range(0, hoursCovered)];
        var dates = Enumerable.Range(0, days).Select(day.AddDays).ToList();
        return new AveragesComputed
        {
            StationId = stationId,
            WindowStart = start,
            WindowEnd = end,
            TimeZone = "UTC",
            SourceFetchId = fetchId ?? Guid.NewGuid(),
            SourceFetchedAt = fetchedAt ?? end.AddMinutes(5),
            AlgorithmVersion = algorithmVersion,
            Hourly = [.. dates.SelectMany(d => hoursOfDay.Select(h => new HourlyAverage { Hour = Midnight(d).AddHours(h), Quantities = stats }))],
            Daily =
            [
                .. dates.Select(d => new DailyAverage
                {
                    Date = d,
                    HoursCovered = hoursOfDay.Count,
                    HoursInDay = 24,
                    Completeness = hoursOfDay.Count / 24.0,
                    IsComplete = isComplete ?? hoursOfDay.Count >= 18,
                    Quantities = hoursOfDay.Count == 0 ? new Dictionary<string, QuantityStats>() : stats,
                }),
            ],
        };
    }

    /// <summary>
    /// A fetch of <paramref name="days"/> days from <paramref name="windowStart"/> with <paramref name="readings"/>
    /// (default: one CO reading at the window's first hour), fetched five minutes after the window ended.
    /// </summary>
    public static RawReadingsFetched RawFetch(string stationId, DateTimeOffset windowStart, int days = 1,
        IReadOnlyList<RawReading>? readings = null, DateTimeOffset? fetchedAt = null, Guid? fetchId = null, string timeZone = "UTC") => new()
    {
        FetchId = fetchId ?? Guid.NewGuid(),
        StationId = stationId,
        WindowStart = windowStart,
        WindowEnd = windowStart.AddDays(days),
        TimeZone = timeZone,
        Source = $"https://airqino-api.magentalab.it/v3/getStationHourlyAvg/{stationId}",
        FetchedAt = fetchedAt ?? windowStart.AddDays(days).AddMinutes(5),
        Readings = readings ?? [Reading(windowStart, (QuantityNames.Co, 0.5))],
    };

    /// <summary>One source row: its hour and its values by quantity name (null: the source sent a null).</summary>
    public static RawReading Reading(DateTimeOffset hour, params (string Quantity, double? Value)[] values) =>
        new() { Hour = hour, Values = values.ToDictionary(v => v.Quantity, v => v.Value) };

    public static DateTimeOffset Midnight(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
}
