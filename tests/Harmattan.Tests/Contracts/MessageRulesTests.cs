using Harmattan.Contracts;
using Harmattan.Stations;
using Harmattan.Transformer;

namespace Harmattan.Tests.Contracts;

public class MessageRulesTests
{
    private static readonly DateOnly Day = new(2023, 6, 1);

    [Fact]
    public void What_the_transformer_publishes_is_storable()
    {
        Assert.Null(MessageRules.ProblemOf(Builders.Averages("283164601", Day, days: 7)));
        Assert.Null(MessageRules.ProblemOf(Builders.Averages("SMART188", Day, hoursCovered: 0)));
        Assert.Null(MessageRules.ProblemOf(Builders.RawFetch("283164601", Builders.Midnight(Day), timeZone: "Africa/Abidjan")));
    }

    [Theory]
    [InlineData("Antarctica/Troll", 2023, 3, 26)]
    [InlineData("Antarctica/Troll", 2023, 10, 29)]
    [InlineData("Australia/Lord_Howe", 2023, 4, 2)]
    [InlineData("Australia/Lord_Howe", 2023, 10, 1)]
    [InlineData("Europe/Paris", 2023, 3, 26)]
    [InlineData("Pacific/Apia", 2011, 12, 29)]
    [InlineData("Pacific/Apia", 2011, 12, 30)]   // skipped whole: a day of no hour between two whole ones
    public void Averages_of_days_whose_clocks_change_are_storable(string zoneId, int year, int month, int day)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var date = new DateOnly(year, month, day);
        var window = DayWindows.ForDays(date.AddDays(-1), date.AddDays(1), zone);
        // AirQino's readings start on UTC hours; Lord Howe's days start on half hours.
        var firstHour = new DateTimeOffset((window.Start.UtcTicks + TimeSpan.TicksPerHour - 1) / TimeSpan.TicksPerHour * TimeSpan.TicksPerHour, TimeSpan.Zero);
        var hours = Enumerable.Range(0, 80).Select(h => firstHour.AddHours(h)).Where(h => h < window.End);
        var fetch = Builders.RawFetch("283164601", window.Start, timeZone: zoneId,
            readings: [.. hours.Select(h => Builders.Reading(h, (QuantityNames.Co, 0.5)))]) with { WindowEnd = window.End };

        var averages = AveragesCalculator.Compute(fetch, new QualityOptions());

        Assert.Null(MessageRules.ProblemOf(averages));
        Assert.Null(MessageRules.ProblemOf(fetch));
        Assert.All(averages.Daily, d => Assert.Equal(d.HoursInDay == 0 ? 0.0 : 1.0, d.Completeness));
    }

    [Fact]
    public void The_longest_window_the_extractor_cuts_is_within_a_messages_bound()
    {
        // Sitka moved from Asia's side of the date line to America's in October 1867: one local day lasted about 48 hours.
        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/Sitka");
        var days = DayWindows.ForDays(new DateOnly(1867, 10, 10), new DateOnly(1867, 10, 30), zone);
        var window = DayWindows.Split(days.Start, days.End, zone).MaxBy(w => w.End - w.Start);
        var fetch = Builders.RawFetch("283164601", window.Start, timeZone: "America/Sitka") with { WindowEnd = window.End };

        Assert.True(window.End - window.Start > TimeSpan.FromDays(DayWindows.MaxDaysPerFetch + 0.9), $"the longest window is {window}");
        Assert.Null(MessageRules.ProblemOf(fetch));
        Assert.Null(MessageRules.ProblemOf(AveragesCalculator.Compute(fetch, new QualityOptions())));
    }

    [Theory]
    [InlineData("co", true)]
    [InlineData("pm2_5", true)]
    [InlineData("internal_temperature", true)]
    [InlineData("no2", true)]
    [InlineData("", false)]
    [InlineData("CO", false)]
    [InlineData("pm2.5", false)]
    [InlineData("$set", false)]
    [InlineData("_id", false)]
    [InlineData("co_", false)]
    [InlineData("wind__speed", false)]
    [InlineData("wind speed", false)]
    [InlineData("é", false)]
    public void Quantity_names_are_lower_case_letters_and_digits_joined_by_single_underscores(string name, bool canonical) =>
        Assert.Equal(canonical, QuantityNames.IsCanonical(name));

    [Fact]
    public void Averages_that_readers_could_not_use_are_named_with_their_problem()
    {
        var valid = Builders.Averages("283164601", Day);
        var day = valid.Daily[0];
        var cases = new (AveragesComputed Message, string Problem)[]
        {
            (valid with { StationId = "-283164601" }, "is not a valid station id"),
            (valid with { TimeZone = "Abidjan" }, "its time zone 'Abidjan' is not one this system knows"),
            (valid with { WindowEnd = valid.WindowStart }, "its window ends"),
            (valid with { WindowEnd = valid.WindowStart.AddDays(9).AddTicks(1) }, "is longer than the 9 days a message may cover"),
            (valid with { Daily = null! }, "its daily rows are null"),
            (valid with { Hourly = [valid.Hourly[0] with { Quantities = null! }] }, "an hourly row or its quantities are null"),
            (valid with { Hourly = [valid.Hourly[0] with { Quantities = Stats("pm2.5") }] }, "the hour 2023-06-01 00:00:00Z has the quantity name 'pm2.5'"),
            (valid with { Daily = [day with { Quantities = Stats("a\nb") }] }, "the day 2023-06-01 has the quantity name 'a b'"),
            (valid with { Daily = [day with { HoursInDay = 49 }] }, "covers 24 of 49 hours"),
            (valid with { Daily = [day with { HoursCovered = 25 }] }, "covers 25 of 24 hours"),
            (valid with { Daily = [day with { Completeness = double.NaN }] }, "completeness NaN"),
        };

        foreach (var (message, problem) in cases)
            Assert.Contains(problem, MessageRules.ProblemOf(message) ?? "(storable)");
    }

    [Fact]
    public void Raw_fetches_that_readers_could_not_use_are_named_with_their_problem()
    {
        var valid = Builders.RawFetch("283164601", Builders.Midnight(Day));
        var cases = new (RawReadingsFetched Message, string Problem)[]
        {
            (valid with { StationId = new string('1', 19) }, "is not a valid station id"),
            (valid with { TimeZone = null! }, "its time zone '(null)'"),
            (valid with { Readings = null! }, "its readings are null"),
            (valid with { WindowEnd = valid.WindowStart.AddDays(3650) }, "is longer than the 9 days a message may cover"),
            (valid with { Readings = [Builders.Reading(valid.WindowStart, ("Wind Speed", 2.0))] }, "the quantity name 'Wind Speed'"),
        };

        foreach (var (message, problem) in cases)
            Assert.Contains(problem, MessageRules.ProblemOf(message) ?? "(storable)");
    }

    [Fact]
    public void A_time_zone_in_other_letter_case_is_refused_even_where_the_process_has_met_the_zone()
    {
        // .NET's zone cache ignores letter case once a zone is loaded; the zone files do not.
        _ = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var fetch = Builders.RawFetch("283164601", Builders.Midnight(Day)) with { TimeZone = "europe/paris" };

        Assert.Contains("its time zone 'europe/paris' is not one this system knows", MessageRules.ProblemOf(fetch) ?? "(storable)");
        Assert.Contains("its time zone 'europe/paris'",
            MessageRules.ProblemOf(Builders.Averages("283164601", Day) with { TimeZone = "europe/paris" }) ?? "(storable)");
    }

    private static Dictionary<string, QuantityStats> Stats(string name) => new() { [name] = Builders.Stats(1.0) };
}
