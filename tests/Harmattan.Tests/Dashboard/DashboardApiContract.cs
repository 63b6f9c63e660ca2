using System.Globalization;
using System.Net;
using System.Text.Json;
using Harmattan.Cli.Export;
using Harmattan.Contracts;
using Harmattan.Dashboard;
using Harmattan.Storage;
using Harmattan.Storage.MongoDb;
using Harmattan.Storage.Sqlite;
using Harmattan.Testing;
using Harmattan.Tests.Storage;
using static Harmattan.Tests.Dashboard.DashboardSite;

namespace Harmattan.Tests.Dashboard;

/// <summary>
/// The dashboard's API over a seeded store, as a browser or a script calls it. Each store's test class derives from
/// this one and only says how to create a fresh, empty, initialised store.
/// </summary>
public abstract class DashboardApiContract : IAsyncLifetime
{
    protected abstract Task<IPipelineStore> CreateStoreAsync();
    protected virtual Task DisposeStoreAsync() => Task.CompletedTask;

    private IPipelineStore _store = null!;
    private DashboardSite _site = null!;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _store = await CreateStoreAsync();
        await SeedAsync(_store, Ct);
        _site = await DashboardSite.StartAsync(_store, Ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_site is not null)
            await _site.DisposeAsync();
        await DisposeStoreAsync();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Stations_lists_configured_then_stored_stations_with_freshness_and_the_last_30_days()
    {
        using var json = await GetJsonAsync("api/stations");
        var stations = json.RootElement.GetProperty("stations").EnumerateArray().ToList();

        Assert.Equal([Smart188, Paris, ConfiguredWithoutData, Smart189], stations.Select(s => s.GetProperty("id").GetString()));
        var smart188 = stations[0];
        Assert.Equal("SMART188", smart188.GetProperty("name").GetString());
        Assert.Equal("UTC", smart188.GetProperty("timeZone").GetString());
        Assert.Equal(new DateTimeOffset(2023, 6, 10, 23, 0, 0, TimeSpan.Zero), smart188.GetProperty("lastHour").GetDateTimeOffset());
        Assert.Equal(2 * 3600, smart188.GetProperty("dataAgeSeconds").GetInt64());
        var recent = smart188.GetProperty("last30Days");
        Assert.Equal(("2023-05-13", "2023-06-11"), (recent.GetProperty("from").GetString(), recent.GetProperty("to").GetString()));
        // Ten days stored: eight complete, one with 12 of 24 hours, one with no hour at the source (counted missing).
        Assert.Equal((8, 1, 21), (recent.GetProperty("complete").GetInt32(), recent.GetProperty("incomplete").GetInt32(),
            recent.GetProperty("missing").GetInt32()));
        Assert.Equal((8 + 0.5) / 30, recent.GetProperty("completeness").GetDouble(), 12);

        Assert.Equal("Europe/Paris", stations[1].GetProperty("timeZone").GetString());
        var empty = stations[2];
        Assert.Equal(JsonValueKind.Null, empty.GetProperty("name").ValueKind);
        Assert.Equal(JsonValueKind.Null, empty.GetProperty("lastHour").ValueKind);
        Assert.Equal(JsonValueKind.Null, empty.GetProperty("dataAgeSeconds").ValueKind);
        Assert.Equal(30, empty.GetProperty("last30Days").GetProperty("missing").GetInt32());
        Assert.Equal(JsonValueKind.Null, stations[3].GetProperty("name").ValueKind);
    }

    [Fact]
    public async Task Daily_rows_carry_exactly_the_numbers_of_the_csv_export()
    {
        var from = FirstDay;
        var to = FirstDay.AddDays(StoredDays - 1);
        using var json = await GetJsonAsync($"api/stations/{Smart188}/daily?from={from:yyyy-MM-dd}&to={to:yyyy-MM-dd}");
        var csv = new StringWriter(CultureInfo.InvariantCulture);
        await DailyAveragesCsv.WriteAsync(csv, await _store.GetDailyAveragesAsync(Smart188, from, to, Ct), Now, Ct);

        var lines = csv.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        var days = json.RootElement.GetProperty("days").EnumerateArray().ToList();
        Assert.Equal(StoredDays, days.Count);
        Assert.Equal(lines.Length - 1, days.Count);
        var quantities = json.RootElement.GetProperty("quantities").EnumerateArray().Select(q => q.GetString()!).ToList();
        Assert.Equal(["co", "pm2_5", "temperature"], quantities);
        Assert.Equal(header.Where(h => h.EndsWith("_mean", StringComparison.Ordinal)).Select(h => h[..^5]), quantities);

        for (var i = 0; i < days.Count; i++)
        {
            var cells = header.Zip(lines[i + 1].Split(',')).ToDictionary(p => p.First, p => p.Second);
            var day = days[i];
            Assert.Equal(cells["date"], day.GetProperty("date").GetString());
            Assert.Equal(cells["time_zone"], day.GetProperty("timeZone").GetString());
            Assert.Equal(cells["hours_covered"], day.GetProperty("hoursCovered").GetInt32().ToString(CultureInfo.InvariantCulture));
            Assert.Equal(double.Parse(cells["completeness"], CultureInfo.InvariantCulture), day.GetProperty("completeness").GetDouble());
            Assert.Equal(cells["is_complete"], day.GetProperty("isComplete").GetBoolean() ? "true" : "false");
            Assert.Equal(cells["is_running"], day.GetProperty("isRunning").GetBoolean() ? "true" : "false");
            foreach (var q in quantities)
            {
                var present = day.GetProperty("quantities").TryGetProperty(q, out var numbers);
                Assert.Equal(cells[$"{q}_count"], present ? numbers.GetProperty("count").GetInt32().ToString(CultureInfo.InvariantCulture) : "0");
                Assert.Equal(cells[$"{q}_rejected"], present ? numbers.GetProperty("rejected").GetInt32().ToString(CultureInfo.InvariantCulture) : "0");
                foreach (var field in new[] { "mean", "min", "max" })
                    Assert.Equal(cells[$"{q}_{field}"] is { Length: > 0 } text ? double.Parse(text, CultureInfo.InvariantCulture) : null,
                        present && numbers.GetProperty(field).ValueKind == JsonValueKind.Number ? numbers.GetProperty(field).GetDouble() : (double?)null);
            }
        }
        Assert.Equal(Pm25(6), days[6].GetProperty("quantities").GetProperty("pm2_5").GetProperty("mean").GetDouble(), 9);
    }

    [Fact]
    public async Task The_numbers_of_each_quantity_come_in_the_order_the_answer_lists_the_quantities_and_the_export_writes_them()
    {
        // Stored as pm10, co, internal_temperature: neither that order nor the alphabetical one.
        var day = Smart189Days[0];
        string[] exportOrder = ["co", "pm10", "internal_temperature"];
        Assert.Equal(exportOrder, QuantityNames.InDisplayOrder(exportOrder.Reverse()));

        using var daily = await GetJsonAsync($"api/stations/{Smart189}/daily?from={day:yyyy-MM-dd}&to={day:yyyy-MM-dd}");
        using var hourly = await GetJsonAsync($"api/stations/{Smart189}/hourly?date={day:yyyy-MM-dd}");

        static IEnumerable<string?> Listed(JsonElement answer) => answer.GetProperty("quantities").EnumerateArray().Select(q => q.GetString());
        static IEnumerable<string> Keys(JsonElement row) => row.GetProperty("quantities").EnumerateObject().Select(q => q.Name);
        Assert.Equal(exportOrder, Listed(daily.RootElement));
        Assert.Equal(exportOrder, Keys(Assert.Single(daily.RootElement.GetProperty("days").EnumerateArray())));
        Assert.Equal(exportOrder, Listed(hourly.RootElement));
        Assert.Equal(exportOrder, Keys(hourly.RootElement.GetProperty("day")));
        Assert.All(hourly.RootElement.GetProperty("hours").EnumerateArray(), hour => Assert.Equal(exportOrder, Keys(hour)));
    }

    [Fact]
    public async Task Today_fetched_before_it_ended_is_running_and_an_incomplete_day_that_had_ended_is_not()
    {
        var today = DateOnly.FromDateTime(Now.UtcDateTime);
        await _store.UpsertAveragesAsync([Builders.Averages(Smart188, today, hoursCovered: 2, fetchedAt: Now, isComplete: false)], Ct);

        using var json = await GetJsonAsync($"api/stations/{Smart188}/daily?from={IncompleteDay:yyyy-MM-dd}&to={today:yyyy-MM-dd}");

        var days = json.RootElement.GetProperty("days").EnumerateArray()
            .ToDictionary(d => d.GetProperty("date").GetString()!, d => (Complete: d.GetProperty("isComplete").GetBoolean(), Running: d.GetProperty("isRunning").GetBoolean()));
        Assert.Equal((false, true), days[today.ToString("yyyy-MM-dd")]);
        Assert.Equal((false, false), days[IncompleteDay.ToString("yyyy-MM-dd")]);
        using var stations = await GetJsonAsync("api/stations");
        var recent = stations.RootElement.GetProperty("stations")[0].GetProperty("last30Days");
        Assert.Equal((2, 1), (recent.GetProperty("incomplete").GetInt32(), recent.GetProperty("running").GetInt32()));
    }

    [Fact]
    public async Task A_day_fetched_before_it_ended_and_never_since_is_no_longer_running()
    {
        // The services stopped in that day's afternoon, and nothing fetched it again.
        var day = new DateOnly(2023, 5, 25);
        await _store.UpsertAveragesAsync([Builders.Averages(Smart188, day, hoursCovered: 15,
            fetchedAt: Builders.Midnight(day).AddHours(15).AddMinutes(5), isComplete: false)], Ct);

        using var daily = await GetJsonAsync($"api/stations/{Smart188}/daily?from={day:yyyy-MM-dd}&to={day:yyyy-MM-dd}");
        using var hourly = await GetJsonAsync($"api/stations/{Smart188}/hourly?date={day:yyyy-MM-dd}");
        using var stations = await GetJsonAsync("api/stations");

        Assert.False(daily.RootElement.GetProperty("days")[0].GetProperty("isRunning").GetBoolean());
        Assert.False(hourly.RootElement.GetProperty("day").GetProperty("isRunning").GetBoolean());
        var recent = stations.RootElement.GetProperty("stations")[0].GetProperty("last30Days");
        Assert.Equal((2, 0), (recent.GetProperty("incomplete").GetInt32(), recent.GetProperty("running").GetInt32()));
    }

    [Fact]
    public async Task Today_fetched_before_its_first_hour_ended_is_running_not_missing()
    {
        var today = DateOnly.FromDateTime(Now.UtcDateTime);
        await _store.UpsertAveragesAsync([Builders.Averages(Smart188, today, hoursCovered: 0, new Dictionary<string, QuantityStats>(),
            fetchedAt: Builders.Midnight(today).AddMinutes(10), isComplete: false)], Ct);

        using var stations = await GetJsonAsync("api/stations");

        var recent = stations.RootElement.GetProperty("stations")[0].GetProperty("last30Days");
        Assert.Equal((8, 2, 1, 20), (recent.GetProperty("complete").GetInt32(), recent.GetProperty("incomplete").GetInt32(),
            recent.GetProperty("running").GetInt32(), recent.GetProperty("missing").GetInt32()));
    }

    [Fact]
    public async Task Daily_without_a_range_is_the_last_30_days_up_to_today_in_the_station_time_zone()
    {
        using var json = await GetJsonAsync($"api/stations/{Smart188}/daily");

        Assert.Equal(("2023-05-13", "2023-06-11"), (json.RootElement.GetProperty("from").GetString(), json.RootElement.GetProperty("to").GetString()));
        Assert.Equal(StoredDays, json.RootElement.GetProperty("days").GetArrayLength());
    }

    [Fact]
    public async Task Daily_without_from_near_the_first_date_taken_starts_at_it_and_can_be_asked_for_again()
    {
        using var json = await GetJsonAsync($"api/stations/{Smart188}/daily?to=0002-01-05");
        var from = json.RootElement.GetProperty("from").GetString();

        Assert.Equal("0002-01-01", from);
        using var again = await GetJsonAsync($"api/stations/{Smart188}/daily?from={from}&to=0002-01-05");
    }

    [Fact]
    public async Task Hourly_gives_the_hours_of_one_local_day()
    {
        using var utc = await GetJsonAsync($"api/stations/{Smart188}/hourly?date={IncompleteDay:yyyy-MM-dd}");
        using var paris = await GetJsonAsync($"api/stations/{Paris}/hourly?date={ParisDay:yyyy-MM-dd}");

        Assert.Equal(24, utc.RootElement.GetProperty("hoursInDay").GetInt32());
        Assert.Equal(12, utc.RootElement.GetProperty("hours").GetArrayLength());
        Assert.False(utc.RootElement.GetProperty("day").GetProperty("isComplete").GetBoolean());

        // The clocks go forward in Paris that night: 23 hours, from 00:00 +01:00 to 23:00 +02:00, and not the next day's hour.
        var hours = paris.RootElement.GetProperty("hours").EnumerateArray().Select(h => h.GetProperty("hour").GetDateTimeOffset()).ToList();
        Assert.Equal(23, paris.RootElement.GetProperty("hoursInDay").GetInt32());
        Assert.Equal("Europe/Paris", paris.RootElement.GetProperty("day").GetProperty("timeZone").GetString());
        Assert.Equal(new DateTimeOffset(2023, 3, 25, 23, 0, 0, TimeSpan.Zero), paris.RootElement.GetProperty("start").GetDateTimeOffset());
        Assert.Equal(23, hours.Count);
        Assert.Equal((TimeSpan.FromHours(1), TimeSpan.FromHours(2)), (hours[0].Offset, hours[^1].Offset));
        Assert.Equal(new DateTimeOffset(2023, 3, 26, 21, 0, 0, TimeSpan.Zero), hours[^1]);
    }

    [Fact]
    public async Task Hourly_cuts_a_stored_day_in_the_zone_it_was_cut_in_though_the_station_is_in_another_now()
    {
        // Smart188 is in UTC now; this day was computed when it was fetched in Paris time.
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var day = new DateOnly(2023, 5, 1);
        await _store.UpsertAveragesAsync([Day(Smart188, day, DayStart(day, paris), 24, 24, h => new() { ["pm2_5"] = 10 + h }, paris.Id)], Ct);

        using var json = await GetJsonAsync($"api/stations/{Smart188}/hourly?date={day:yyyy-MM-dd}");

        Assert.Equal("Europe/Paris", json.RootElement.GetProperty("timeZone").GetString());
        Assert.Equal(DayStart(day, paris), json.RootElement.GetProperty("start").GetDateTimeOffset());
        var hours = json.RootElement.GetProperty("hours").EnumerateArray().ToList();
        Assert.Equal(24, hours.Count);
        Assert.Equal(new DateTimeOffset(2023, 5, 1, 0, 0, 0, TimeSpan.FromHours(2)), hours[0].GetProperty("hour").GetDateTimeOffset());
        Assert.Equal(TimeSpan.FromHours(2), hours[0].GetProperty("hour").GetDateTimeOffset().Offset);
        Assert.Equal(10, hours[0].GetProperty("quantities").GetProperty("pm2_5").GetProperty("mean").GetDouble());
    }

    [Fact]
    public async Task Hourly_counts_the_utc_hour_starts_of_a_day_as_the_stored_day_does_on_a_half_hour_change_of_the_clocks()
    {
        // Lord Howe Island goes back half an hour (+11:00 to +10:30) on 7 April 2024: the day lasts 24.5 hours and holds 25
        // of AirQino's hours, which start on the UTC hour.
        var lordHowe = TimeZoneInfo.FindSystemTimeZoneById("Australia/Lord_Howe");
        var day = new DateOnly(2024, 4, 7);
        await _store.UpsertAveragesAsync([Day(Smart188, day, DayStart(day, lordHowe), 25, 25, h => new() { ["pm2_5"] = 10 + h }, lordHowe.Id)], Ct);

        using var json = await GetJsonAsync($"api/stations/{Smart188}/hourly?date={day:yyyy-MM-dd}");

        Assert.Equal(new DateTimeOffset(2024, 4, 6, 13, 0, 0, TimeSpan.Zero), json.RootElement.GetProperty("start").GetDateTimeOffset());
        Assert.Equal(25, json.RootElement.GetProperty("hoursInDay").GetInt32());
        Assert.Equal(25, json.RootElement.GetProperty("hours").GetArrayLength());
    }

    [Fact]
    public async Task A_station_is_shown_in_the_zone_its_latest_fetch_cut_its_days_in_whatever_the_dashboard_is_configured_with()
    {
        // The services fetched Smart188 (configured here in UTC) and Smart189 (not configured here) in Paris time.
        var fetchedAt = Now.AddHours(-1);
        await _store.ArchiveRawFetchesAsync(
        [
            Builders.RawFetch(Smart188, DayStart(FirstDay, TimeZoneInfo.Utc), fetchedAt: fetchedAt, timeZone: "Europe/Paris"),
            Builders.RawFetch(Smart189, DayStart(FirstDay, TimeZoneInfo.Utc), fetchedAt: fetchedAt, timeZone: "Europe/Paris"),
        ], Ct);

        using var stations = await GetJsonAsync("api/stations");
        using var autumn = await GetJsonAsync($"api/stations/{Smart189}/hourly?date={ParisAutumnDay:yyyy-MM-dd}");

        Assert.All(stations.RootElement.GetProperty("stations").EnumerateArray().Where(s => s.GetProperty("id").GetString() is Smart188 or Smart189),
            station => Assert.Equal("Europe/Paris", station.GetProperty("timeZone").GetString()));
        Assert.Equal("Europe/Paris", autumn.RootElement.GetProperty("timeZone").GetString());
        Assert.Equal(25, autumn.RootElement.GetProperty("hoursInDay").GetInt32());
    }

    [Theory]
    [InlineData("api/stations/283164601/daily?from=2023-13-01&to=2023-06-10", "from")]
    [InlineData("api/stations/283164601/daily?from=2023-06-01&to=10/06/2023", "to")]
    [InlineData("api/stations/283164601/daily?from=2023-06-10&to=2023-06-01", "from")]
    [InlineData("api/stations/283164601/daily?from=2000-01-01&to=2023-06-01", "to")]
    [InlineData("api/stations/283164601/hourly", "date")]
    [InlineData("api/stations/283164601/hourly?date=yesterday", "date")]
    // Days whose default range or next day, or whose midnight at the station's offset, .NET cannot represent.
    [InlineData("api/stations/283164601/hourly?date=9999-12-31", "date")]
    [InlineData("api/stations/" + Smart189 + "/hourly?date=0001-01-01", "date")]
    [InlineData("api/stations/283164601/daily?to=0001-01-01", "to")]
    [InlineData("api/stations/283164601/daily?from=0001-01-01&to=0002-01-05", "from")]
    public async Task A_bad_parameter_is_a_400_problem_naming_it_and_the_format_expected(string url, string parameter)
    {
        using var response = await _site.Client.GetAsync(url, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(parameter, problem.RootElement.GetProperty("parameter").GetString());
        Assert.Contains("YYYY-MM-DD", problem.RootElement.GetProperty("expected").GetString());
        Assert.Contains($"'{parameter}'", problem.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_daily_range_is_at_most_3660_days_from_and_to_included_and_a_longer_one_is_refused_saying_so()
    {
        var from = new DateOnly(2016, 1, 1);
        var lastAccepted = new DateOnly(2026, 1, 7);
        Assert.Equal(3660, lastAccepted.DayNumber - from.DayNumber + 1);

        using var longest = await _site.Client.GetAsync($"api/stations/{Smart188}/daily?from={from:yyyy-MM-dd}&to={lastAccepted:yyyy-MM-dd}", Ct);
        using var tooLong = await _site.Client.GetAsync($"api/stations/{Smart188}/daily?from={from:yyyy-MM-dd}&to=2026-01-08", Ct);

        Assert.Equal(HttpStatusCode.OK, longest.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        using var problem = JsonDocument.Parse(await tooLong.Content.ReadAsStringAsync(Ct));
        Assert.Equal("'to' must be a date YYYY-MM-DD at most 3659 days after 'from' (a range of at most 3660 days, 'from' and 'to' included); "
            + "ask for a longer range in parts; got '2026-01-08'.", problem.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_range_too_long_for_lack_of_to_is_refused_naming_from_and_the_earliest_date_it_may_be()
    {
        // Today at Smart188 (UTC) is 2023-06-11: 'to' when not given.
        var earliest = new DateOnly(2023, 6, 11).AddDays(1 - DashboardApi.MaxDays);

        using var longest = await _site.Client.GetAsync($"api/stations/{Smart188}/daily?from={earliest:yyyy-MM-dd}", Ct);
        using var tooLong = await _site.Client.GetAsync($"api/stations/{Smart188}/daily?from={earliest.AddDays(-1):yyyy-MM-dd}", Ct);

        Assert.Equal(HttpStatusCode.OK, longest.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        using var problem = JsonDocument.Parse(await tooLong.Content.ReadAsStringAsync(Ct));
        Assert.Equal("from", problem.RootElement.GetProperty("parameter").GetString());
        Assert.Equal($"'from' must be a date YYYY-MM-DD at most 3659 days before 'to', which is today when not given (2023-06-11): on or after "
            + $"{earliest:yyyy-MM-dd} (a range of at most 3660 days, 'from' and 'to' included); ask for a longer range in parts; got "
            + $"'{earliest.AddDays(-1):yyyy-MM-dd}'.", problem.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_stored_id_that_breaks_the_station_id_rule_is_neither_listed_nor_served()
    {
        // Only a message put on the broker by hand stores such an id: AirQino's stations and --station are checked.
        const string forged = "evil\u001b[2J\nFORGED line";
        await _store.UpsertAveragesAsync([Builders.Averages(forged, new DateOnly(2023, 6, 1))], Ct);

        using var json = await GetJsonAsync("api/stations");
        Assert.Equal([Smart188, Paris, ConfiguredWithoutData, Smart189],
            json.RootElement.GetProperty("stations").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        using var response = await _site.Client.GetAsync($"api/stations/{Uri.EscapeDataString(forged)}/daily?from=2023-06-01&to=2023-06-01", Ct);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("api/stations/283164602/daily")]
    [InlineData("api/stations/283164602/hourly?date=2023-06-01")]
    public async Task An_unknown_station_is_a_404_problem(string url)
    {
        using var response = await _site.Client.GetAsync(url, Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("283164602", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task The_page_its_chart_library_with_licence_and_the_health_endpoints_are_served()
    {
        var page = await _site.Client.GetStringAsync("", Ct);
        using var library = await _site.Client.GetAsync("vendor/chart.umd.min.js", Ct);
        var licence = await _site.Client.GetStringAsync("vendor/chart.js.LICENSE.md", Ct);
        using var ready = await _site.Client.GetAsync("health/ready", Ct);

        Assert.Contains("<script src=\"vendor/chart.umd.min.js\"", page);
        Assert.Equal(HttpStatusCode.OK, library.StatusCode);
        Assert.Equal("text/javascript", library.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("/*!\n * Chart.js v4.6.1", await library.Content.ReadAsStringAsync(Ct));
        Assert.Contains("The MIT License", licence);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("app.js")]
    [InlineData("api/stations")]
    [InlineData("api/stations/000000000/daily")]
    public async Task Every_answer_tells_the_browser_to_run_only_the_page_s_own_files_outside_any_frame(string url)
    {
        using var response = await _site.Client.GetAsync(url, Ct);

        Assert.Equal(DashboardRegistration.ContentSecurityPolicy, response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }

    [Theory]
    [InlineData("api/stations")]
    [InlineData("api/stations/283164601/daily")]
    [InlineData("api/stations/283164601/hourly?date=2023-06-01")]
    [InlineData("api/stations/283164601/daily?from=yesterday")]
    [InlineData("api/stations/000000000/daily")]
    public async Task Every_api_answer_is_asked_for_again_rather_than_shown_from_a_cache(string url)
    {
        using var response = await _site.Client.GetAsync(url, Ct);

        Assert.Equal(DashboardRegistration.ApiCacheControl, response.Headers.GetValues("Cache-Control").Single());
        Assert.True(response.Headers.CacheControl?.NoCache);
    }

    protected async Task<JsonDocument> GetJsonAsync(string url)
    {
        using var response = await _site.Client.GetAsync(url, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"GET {url}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body);
    }
}

/// <summary>The dashboard API on a SQLite file.</summary>
public sealed class SqliteDashboardApiTests : DashboardApiContract
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"harmattan-dashboard-{Guid.NewGuid():N}.db");
    private SqlitePipelineStore? _store;

    protected override async Task<IPipelineStore> CreateStoreAsync()
    {
        _store = new SqlitePipelineStore($"Data Source={_path}");
        await _store.InitializeAsync(Ct);
        return _store;
    }

    [Fact]
    public async Task A_day_stored_without_its_zone_is_running_or_not_in_the_station_s_zone_as_its_hours_are_shown()
    {
        // Rows of a SQLite file older than the zone column record none. 2 June ended in Paris at 22:00 UTC: fetched at
        // 22:30 UTC, it had ended there, not in UTC.
        var day = new DateOnly(2023, 6, 2);
        await _store!.UpsertAveragesAsync([Builders.Averages(Paris, day, hoursCovered: 10,
            fetchedAt: new DateTimeOffset(2023, 6, 2, 22, 30, 0, TimeSpan.Zero), isComplete: false)], Ct);
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_path}"))
        {
            await connection.OpenAsync(Ct);
            await using var unzone = connection.CreateCommand();
            unzone.CommandText = $"UPDATE daily_averages SET time_zone = NULL WHERE station_id = '{Paris}' AND date = '2023-06-02'";
            Assert.Equal(1, await unzone.ExecuteNonQueryAsync(Ct));
        }

        using var daily = await GetJsonAsync($"api/stations/{Paris}/daily?from=2023-06-02&to=2023-06-02");
        using var hourly = await GetJsonAsync($"api/stations/{Paris}/hourly?date=2023-06-02");
        using var stations = await GetJsonAsync("api/stations");

        Assert.Equal("Europe/Paris", hourly.RootElement.GetProperty("timeZone").GetString());
        Assert.False(daily.RootElement.GetProperty("days")[0].GetProperty("isRunning").GetBoolean());
        Assert.False(hourly.RootElement.GetProperty("day").GetProperty("isRunning").GetBoolean());
        var paris = stations.RootElement.GetProperty("stations").EnumerateArray().Single(s => s.GetProperty("id").GetString() == Paris);
        Assert.Equal((0, 1), (paris.GetProperty("last30Days").GetProperty("running").GetInt32(),
            paris.GetProperty("last30Days").GetProperty("incomplete").GetInt32()));
    }

    [Fact]
    public async Task A_request_after_the_store_was_replaced_at_its_path_is_answered_from_the_file_now_there()
    {
        // Read once, so that the pool holds connections to the file about to be replaced.
        using (await GetJsonAsync("api/stations"))
        {
        }
        // Another store put in its place, as a restore by hand does (or the store removed and made again).
        var other = _path + ".other";
        var replacement = new SqlitePipelineStore($"Data Source={other};Pooling=False");
        await replacement.InitializeAsync(Ct);
        await replacement.UpsertAveragesAsync([Builders.Averages(Smart188, new DateOnly(2023, 7, 1))], Ct);
        File.Move(other, _path, overwrite: true);
        File.Delete(_path + "-wal");
        File.Delete(_path + "-shm");

        using var daily = await GetJsonAsync($"api/stations/{Smart188}/daily?from=2023-06-01&to=2023-07-01");

        Assert.Equal(["2023-07-01"], daily.RootElement.GetProperty("days").EnumerateArray().Select(d => d.GetProperty("date").GetString()));
    }

    protected override Task DisposeStoreAsync()
    {
        _store?.Dispose();
        TemporarySqliteDatabase.Delete(_path);
        return Task.CompletedTask;
    }
}

/// <summary>The dashboard API on MongoDB (or the server named by ConnectionStrings__MongoDb); skipped without one.</summary>
public sealed class MongoDashboardApiTests : DashboardApiContract
{
    private readonly string _databaseName = MongoTestServer.FreshDatabaseName();
    private MongoDB.Driver.IMongoClient? _client;

    protected override async Task<IPipelineStore> CreateStoreAsync()
    {
        _client = MongoTestServer.CreateClient(await MongoTestServer.RequireAsync());
        var store = new MongoPipelineStore(_client, _databaseName);
        await store.InitializeAsync(Ct);
        return store;
    }

    protected override async Task DisposeStoreAsync()
    {
        if (_client is null)
            return;
        await _client.DropDatabaseAsync(_databaseName, CancellationToken.None);
        _client.Dispose();
    }
}
