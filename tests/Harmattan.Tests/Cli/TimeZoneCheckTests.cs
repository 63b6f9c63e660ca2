using Harmattan.Cli;
using Harmattan.Cli.Pipeline;
using Harmattan.Tests.Storage;
using Spectre.Console;

namespace Harmattan.Tests.Cli;

/// <summary>The warnings of run and backfill about the zone a station's days are cut in.</summary>
[Collection(typeof(CliCollection))]
public sealed class TimeZoneCheckTests() : TemporaryStoreTest("zone-check")
{
    private static readonly DateOnly Day = new(2026, 11, 1);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_station_neither_configured_nor_fetched_yet_is_said_to_be_cut_in_utc()
    {
        // 900000003 was fetched already (its zone is known and checked apart); 900000026 is new to the store.
        await Store.ArchiveRawFetchesAsync([Builders.RawFetch("900000003", Builders.Midnight(Day), timeZone: "Europe/Paris")], Ct);
        StationDays InUtc(string id) => new(id, TimeZoneInfo.Utc, Day, Day);

        var output = await WarningsAsync([InUtc("900000001"), InUtc("900000003"), InUtc("900000026")], configured: ["900000001"]);

        Assert.Contains("station 900000026 is not among this command's stations (Stations:N:Id) and not fetched yet, so its days are " +
            "cut in UTC. If the services fetch it in another time zone, give this command their station configuration.", output);
        Assert.DoesNotContain("900000001", output);
        Assert.DoesNotContain("900000003", output);
        Assert.DoesNotContain("Warning", await WarningsAsync([InUtc("900000001")], configured: ["900000001"]));
    }

    private async Task<string> WarningsAsync(IReadOnlyList<StationDays> asked, IReadOnlyCollection<string> configured)
    {
        var console = AnsiConsole.Console;
        var output = new StringWriter();
        try
        {
            HarmattanCli.WriteUnwrappedTo(output);
            await TimeZoneCheck.WarnOfUnconfiguredAsync(Store, asked, configured, Ct);
            return output.ToString();
        }
        finally
        {
            AnsiConsole.Console = console;
        }
    }
}
