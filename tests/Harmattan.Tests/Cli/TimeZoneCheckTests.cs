using Harmattan.Cli;
using Harmattan.Cli.Pipeline;
using Harmattan.Stations;
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

        var output = await OutputOfAsync(() =>
            TimeZoneCheck.WarnOfUnconfiguredAsync(Store, [InUtc("900000001"), InUtc("900000003"), InUtc("900000026")], ["900000001"], Ct));

        Assert.Contains("station 900000026 is not among this command's stations (Stations:N:Id) and not fetched yet, so its days are " +
            "cut in UTC. If the services fetch it in another time zone, give this command their station configuration.", output);
        Assert.DoesNotContain("900000001", output);
        Assert.DoesNotContain("900000003", output);
        Assert.DoesNotContain("Warning", await OutputOfAsync(() => TimeZoneCheck.WarnOfUnconfiguredAsync(Store, [InUtc("900000001")], ["900000001"], Ct)));
    }

    [Fact]
    public async Task A_zone_other_than_the_last_fetch_s_says_how_to_make_a_change_of_zone_take_and_backfill_offers_refetch()
    {
        await Store.ArchiveRawFetchesAsync([Builders.RawFetch("900000001", Builders.Midnight(Day))], Ct);
        StationDays[] inParis = [new("900000001", TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris"), Day, Day)];

        var backfill = await OutputOfAsync(() => TimeZoneCheck.WarnOfOtherZonesAsync(Store, inParis, offerRefetch: true, Ct));
        var run = await OutputOfAsync(() => TimeZoneCheck.WarnOfOtherZonesAsync(Store, inParis, offerRefetch: false, Ct));

        Assert.Contains("station 900000001 was last fetched with its days cut in UTC; this command cuts them in Europe/Paris", backfill);
        const string QueuedBefore = " If they run with it already, commands sent with UTC since (queued before the change, or from a " +
            "trigger with the old settings) were fetched as sent: the extractor warns of each.\n";
        Assert.EndsWith("if Europe/Paris is the station's new zone, restart the services with it: once they have fetched the station, the same " +
                        "backfill cuts the days already stored again in Europe/Paris (--refetch: every day of the range)." + QueuedBefore, backfill.Replace("\r", ""));
        Assert.EndsWith("if Europe/Paris is the station's new zone, restart the services with it." + QueuedBefore, run.Replace("\r", ""));
    }

    [Theory]
    [InlineData("UTC", "UTC", true)]
    [InlineData("Etc/UTC", "UTC", true)]
    // Its local mean time ended in 1912: every day since is cut as in UTC.
    [InlineData("Africa/Abidjan", "UTC", true)]
    [InlineData("Europe/London", "UTC", false)]
    [InlineData("Asia/Kolkata", "UTC", false)]
    // Alike today, not since 1970: Germany had no summer time from 1950 to 1979, France from 1976.
    [InlineData("Europe/Berlin", "Europe/Paris", false)]
    [InlineData("Not/AZone", "UTC", false)]
    public void Zones_are_the_same_when_they_cut_every_day_since_1970_alike(string zone, string expected, bool same) =>
        Assert.Equal(same, TimeZoneRules.SameRules(zone, TimeZoneInfo.FindSystemTimeZoneById(expected)));

    [Fact]
    public async Task A_station_fetched_in_africa_abidjan_gives_no_warning_to_a_command_that_cuts_its_days_in_utc()
    {
        await Store.ArchiveRawFetchesAsync([Builders.RawFetch("900000001", Builders.Midnight(Day), timeZone: "Africa/Abidjan")], Ct);
        StationDays[] inUtc = [new("900000001", TimeZoneInfo.Utc, Day, Day)];

        Assert.DoesNotContain("Warning", await OutputOfAsync(() => TimeZoneCheck.WarnOfOtherZonesAsync(Store, inUtc, offerRefetch: true, Ct)));
    }

    private static async Task<string> OutputOfAsync(Func<Task> warn)
    {
        var console = AnsiConsole.Console;
        var output = new StringWriter();
        try
        {
            HarmattanCli.WriteUnwrappedTo(output);
            await warn();
            return output.ToString();
        }
        finally
        {
            AnsiConsole.Console = console;
        }
    }
}
