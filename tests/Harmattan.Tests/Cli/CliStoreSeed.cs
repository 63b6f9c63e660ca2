using Harmattan.Contracts;

namespace Harmattan.Tests.Cli;

/// <summary>Stored days as the transformer would compute them, for seeding a store through its port.</summary>
internal static class CliStoreSeed
{
    public static AveragesComputed Day(string stationId, DateOnly date, int hoursCovered, DateTimeOffset fetchedAt, bool? complete = null)
    {
        var start = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var stats = new Dictionary<string, QuantityStats> { ["co"] = new() { Mean = 0.5, Min = 0.1, Max = 0.9, Count = hoursCovered, Rejected = 0 } };
        return new AveragesComputed
        {
            StationId = stationId,
            WindowStart = start,
            WindowEnd = start.AddDays(1),
            TimeZone = "UTC",
            SourceFetchId = Guid.NewGuid(),
            SourceFetchedAt = fetchedAt,
            AlgorithmVersion = 1,
            Hourly = [.. Enumerable.Range(0, hoursCovered).Select(h => new HourlyAverage { Hour = start.AddHours(h), Quantities = stats })],
            Daily =
            [
                new DailyAverage
                {
                    Date = date, HoursCovered = hoursCovered, HoursInDay = 24, Completeness = hoursCovered / 24.0,
                    IsComplete = complete ?? hoursCovered >= 18, Quantities = hoursCovered == 0 ? new Dictionary<string, QuantityStats>() : stats,
                },
            ],
        };
    }
}
