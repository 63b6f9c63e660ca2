using Harmattan.Contracts;
using Harmattan.Testing;

namespace Harmattan.Tests.Cli;

/// <summary>Stored days as the transformer would compute them, for seeding a store through its port.</summary>
internal static class CliStoreSeed
{
    public static AveragesComputed Day(string stationId, DateOnly date, int hoursCovered, DateTimeOffset fetchedAt, bool? complete = null) =>
        Builders.Averages(stationId, date, hoursCovered,
            new Dictionary<string, QuantityStats> { ["co"] = new() { Mean = 0.5, Min = 0.1, Max = 0.9, Count = hoursCovered, Rejected = 0 } },
            fetchedAt, isComplete: complete);
}
