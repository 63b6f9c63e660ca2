using Harmattan.Cli;
using Harmattan.Cli.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;
using Spectre.Console;

namespace Harmattan.Tests.Cli;

/// <summary>The days a command covers for stations whose time zones are on different dates at the same instant.</summary>
[Collection(typeof(CliCollection))]
public sealed class StationSelectionTests
{
    // 02:00 UTC on 3 December: still 2 December in New York.
    private static readonly FakeTimeProvider Time = new(new DateTimeOffset(2026, 12, 3, 2, 0, 0, TimeSpan.Zero));
    private static readonly DateOnly December2 = new(2026, 12, 2);
    private static readonly DateOnly December3 = new(2026, 12, 3);

    private static readonly IConfiguration UtcAndNewYork = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Stations:0:Id"] = "900000001", ["Stations:0:TimeZone"] = "UTC",
        ["Stations:1:Id"] = "900000002", ["Stations:1:TimeZone"] = "America/New_York",
    }).Build();

    [Fact]
    public void A_to_that_is_today_in_utc_ends_a_station_west_of_utc_at_its_own_today_and_says_so()
    {
        var (days, output) = Resolve(UtcAndNewYork, from: new DateOnly(2026, 11, 30), to: December3);

        Assert.Equal([("900000001", December3), ("900000002", December2)], days.Select(d => (d.StationId, d.To)));
        Assert.Contains("Station 900000002: days to 2026-12-02, its today in its time zone America/New_York (2026-12-03 has not begun there).", output);
        Assert.DoesNotContain("900000001", output);
    }

    [Fact]
    public void A_range_that_has_not_begun_in_a_station_s_zone_leaves_that_station_out_and_says_so()
    {
        var (days, output) = Resolve(UtcAndNewYork, from: December3, to: December3);

        Assert.Equal([("900000001", December3, December3)], days.Select(d => (d.StationId, d.From, d.To)));
        Assert.Contains("Station 900000002 is left out: 2026-12-03 has not begun in its time zone America/New_York, where it is 2026-12-02.", output);
    }

    [Fact]
    public void A_day_after_today_in_every_asked_station_s_zone_is_refused_naming_the_last_allowed_date()
    {
        var future = Assert.Throws<CliException>(() => Resolve(UtcAndNewYork, from: December3, to: December3.AddDays(1)));
        Assert.Equal("--to 2026-12-04 is in the future for station 900000001 (time zone UTC): the last allowed date is 2026-12-03.", future.Message);

        var westOnly = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Stations:0:Id"] = "900000002", ["Stations:0:TimeZone"] = "America/New_York",
        }).Build();
        var notBegun = Assert.Throws<CliException>(() => Resolve(westOnly, from: December3, to: December3));
        Assert.Equal("--to 2026-12-03 is in the future for station 900000002 (time zone America/New_York): the last allowed date is 2026-12-02.",
            notBegun.Message);
    }

    [Fact]
    public void Without_dates_each_station_covers_yesterday_and_today_in_its_own_zone()
    {
        var (days, output) = Resolve(UtcAndNewYork, from: null, to: null);

        Assert.Equal([(December2, December3), (new DateOnly(2026, 12, 1), December2)], days.Select(d => (d.From, d.To)));
        Assert.Equal("", output);
    }

    private static (IReadOnlyList<StationDays> Days, string Output) Resolve(IConfiguration configuration, DateOnly? from, DateOnly? to)
    {
        var console = AnsiConsole.Console;
        var output = new StringWriter();
        try
        {
            HarmattanCli.WriteUnwrappedTo(output);
            return (StationSelection.Resolve(configuration, [], from, to, Time), output.ToString());
        }
        finally
        {
            AnsiConsole.Console = console;
        }
    }
}
