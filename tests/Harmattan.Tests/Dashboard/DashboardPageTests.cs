using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Harmattan.Contracts;
using Harmattan.Dashboard;
using Harmattan.Storage.Sqlite;
using Microsoft.Playwright;
using static Harmattan.Tests.Dashboard.DashboardSite;

namespace Harmattan.Tests.Dashboard;

/// <summary>
/// The page in a real browser (Debian's chromium, headless, driven by Playwright; no browser is downloaded) over a
/// seeded SQLite store: what a person sees. Screenshots go to <c>screenshots/</c> in the test output folder.
/// </summary>
public sealed class DashboardPageTests : IAsyncLifetime
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private const string Pm25Canvas = "canvas[data-quantity='pm2_5']";
    private const string MessageShown = "() => !document.getElementById('message').hidden";

    private readonly string _path = Path.Combine(Path.GetTempPath(), $"harmattan-dashboard-page-{Guid.NewGuid():N}.db");
    private SqlitePipelineStore _store = null!;
    private DashboardSite _site = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static string ScreenshotFolder => Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            const string reason = $"Browser test needs Debian's chromium at {ChromiumPath}: apt-get install -y chromium (.ci/run installs it).";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
                Assert.Fail(reason);
            Assert.Skip(reason);
        }
        _store = new SqlitePipelineStore($"Data Source={_path}");
        await _store.InitializeAsync(Ct);
        await SeedAsync(_store, Ct);
        _site = await DashboardSite.StartAsync(_store, Ct);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Root in CI has no user namespaces for chromium's sandbox.
            Args = ["--no-sandbox"],
        });
        Directory.CreateDirectory(ScreenshotFolder);
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
            await _browser.DisposeAsync();
        _playwright?.Dispose();
        if (_site is not null)
            await _site.DisposeAsync();
        _store?.Dispose();
        TemporarySqliteDatabase.Delete(_path);
    }

    [Fact]
    public async Task The_page_charts_each_day_of_the_range_with_the_guideline_marks_incomplete_days_and_shows_the_hours_of_a_clicked_day()
    {
        var page = await OpenAsync(1280, 900, mobile: false);

        // The range is the 30 days up to the last stored one: every one of them on the axis, the 20 before the first
        // stored day without a point; the table lists the stored days.
        const int shownDays = 30;
        const int daysBeforeFirstStored = shownDays - StoredDays;
        Assert.Equal(Enumerable.Range(-daysBeforeFirstStored, shownDays).Select(i => FirstDay.AddDays(i).ToString("yyyy-MM-dd")),
            await page.EvaluateAsync<string[]>($"() => Chart.getChart(document.querySelector(\"{Pm25Canvas}\")).data.labels"));
        Assert.Equal(Enumerable.Range(-daysBeforeFirstStored, shownDays).Select(i => i >= 0 && FirstDay.AddDays(i) != MissingDay),
            await page.EvaluateAsync<bool[]>($"() => Chart.getChart(document.querySelector(\"{Pm25Canvas}\")).getDatasetMeta(0).data.map(p => !p.skip)"));
        Assert.Equal(StoredDays, await page.Locator("#days-table tbody tr").CountAsync());

        // The WHO line at 15 µg/m³ across the chart, and the count of days above it.
        Assert.Equal("WHO 2021 24-hour guideline (15 µg/m³)",
            await page.EvaluateAsync<string>($"() => Chart.getChart(document.querySelector(\"{Pm25Canvas}\")).data.datasets[1].label"));
        Assert.Equal(Enumerable.Repeat(15.0, shownDays),
            await page.EvaluateAsync<double[]>($"() => Chart.getChart(document.querySelector(\"{Pm25Canvas}\")).data.datasets[1].data"));
        Assert.Equal($"{DaysAbovePm25Guideline} of {CompleteDaysWithData} complete days above the WHO 24-hour guideline (15 µg/m³)",
            await page.Locator(".daily-card[data-quantity='pm2_5'] .guideline-count").InnerTextAsync());
        Assert.Equal(0, await page.Locator("canvas[data-quantity='co']").EvaluateAsync<int>("c => Chart.getChart(c).data.datasets.length - 1"));

        // The incomplete day is drawn as a hollow amber triangle and flagged in the table.
        var incompleteIndex = daysBeforeFirstStored + IncompleteDay.DayNumber - FirstDay.DayNumber;
        Assert.Equal(["triangle", "circle"], await page.EvaluateAsync<string[]>(
            $"() => {{ const s = Chart.getChart(document.querySelector(\"{Pm25Canvas}\")).data.datasets[0].pointStyle; return [s[{incompleteIndex}], s[{daysBeforeFirstStored}]]; }}"));
        await page.Locator("#days-details summary").ClickAsync();
        Assert.Contains("incomplete", await page.Locator($"#days-table tr[data-date='{IncompleteDay:yyyy-MM-dd}']").InnerTextAsync());
        Assert.DoesNotContain("incomplete", await page.Locator($"#days-table tr[data-date='{FirstDay:yyyy-MM-dd}']").InnerTextAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, "dashboard-desktop.png"), FullPage = true });

        // A click on a day's point shows its 24 hours.
        var clicked = FirstDay.AddDays(7);
        await ClickPointAsync(page, Pm25Canvas, daysBeforeFirstStored + 7);
        await Assertions.Expect(page.Locator("#day")).ToBeVisibleAsync();
        Assert.Contains(clicked.ToString("yyyy-MM-dd"), await page.Locator("#day-title").InnerTextAsync());
        Assert.Equal(24, await page.Locator("#hours-table tbody tr").CountAsync());
        Assert.Equal(24, await page.EvaluateAsync<int>("() => Chart.getChart(document.getElementById('hourly-chart')).data.datasets[0].data.filter(v => v !== null).length"));
        Assert.Equal("00:00", await page.Locator("#hours-table tbody tr").First.Locator("td").First.TextContentAsync());
        await page.Locator("#day").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(ScreenshotFolder, "dashboard-day.png") });

        // The freshness table lists every station.
        Assert.Equal(4, await page.Locator("#freshness tbody tr").CountAsync());
        Assert.Contains("2 h 0 min", await page.Locator($"#freshness tr[data-station='{Smart188}']").InnerTextAsync());
    }

    [Fact]
    public async Task Days_never_fetched_keep_their_place_on_the_axis_as_a_gap_in_the_line()
    {
        const string pm10Canvas = "canvas[data-quantity='pm10']";
        var page = await OpenAsync(1280, 900, mobile: false, station: Smart189, canvas: "canvas[data-quantity='co']");
        var (from, to) = (Smart189Days[0], Smart189Days[^1]);
        await page.Locator("#from").FillAsync(from.ToString("yyyy-MM-dd"));
        await page.WaitForFunctionAsync(
            $"() => Chart.getChart(document.querySelector(\"canvas[data-quantity='co']\"))?.data.labels[0] === '{from:yyyy-MM-dd}'");
        await page.Locator("#quantities button[data-quantity='pm10']").ClickAsync();

        var everyDay = Enumerable.Range(0, to.DayNumber - from.DayNumber + 1).Select(from.AddDays).ToList();
        Assert.Equal(everyDay.Select(d => d.ToString("yyyy-MM-dd")),
            await page.EvaluateAsync<string[]>($"() => Chart.getChart(document.querySelector(\"{pm10Canvas}\")).data.labels"));
        Assert.Equal(everyDay.Select(d => Array.IndexOf(Smart189Days, d) is var i and >= 0 ? 40 + 10 * i : (double?)null),
            await page.EvaluateAsync<double?[]>($"() => Chart.getChart(document.querySelector(\"{pm10Canvas}\")).data.datasets[0].data"));
        Assert.Equal(everyDay.Select(d => Smart189Days.Contains(d)),
            await page.EvaluateAsync<bool[]>($"() => Chart.getChart(document.querySelector(\"{pm10Canvas}\")).getDatasetMeta(0).data.map(p => !p.skip)"));
        // The line stops at the last day before the week never fetched and starts again after it.
        Assert.Equal(["0..1", "9..9"], await page.EvaluateAsync<string[]>(
            $"() => Chart.getChart(document.querySelector(\"{pm10Canvas}\")).getDatasetMeta(0).dataset.segments.map(s => `${{s.start}}..${{s.end}}`)"));
        // The days are evenly spaced: the last point lies eight days' widths after the second.
        var x = await page.EvaluateAsync<double[]>(
            $"() => Chart.getChart(document.querySelector(\"{pm10Canvas}\")).getDatasetMeta(0).data.map(p => p.x)");
        Assert.Equal(8 * (x[1] - x[0]), x[9] - x[1], 1);

        // The guideline spans the whole range; only the days with a mean count in "N of M days".
        Assert.Equal(Enumerable.Repeat(45.0, everyDay.Count),
            await page.EvaluateAsync<double[]>($"() => Chart.getChart(document.querySelector(\"{pm10Canvas}\")).data.datasets[1].data"));
        Assert.Equal("2 of 3 complete days above the WHO 24-hour guideline (45 µg/m³)",
            await page.Locator(".daily-card[data-quantity='pm10'] .guideline-count").InnerTextAsync());
        Assert.StartsWith("3 days with data, 0 incomplete.", await page.Locator(".daily-card[data-quantity='pm10'] .summary").InnerTextAsync());
        await page.Locator(".daily-card[data-quantity='pm10']").ScreenshotAsync(
            new LocatorScreenshotOptions { Path = Path.Combine(ScreenshotFolder, "dashboard-gap.png") });
    }

    [Fact]
    public async Task On_the_days_the_clocks_change_each_hour_is_labelled_with_its_utc_offset()
    {
        var page = await OpenAsync(1280, 900, mobile: false, station: Paris);
        await page.Locator("#from").FillAsync(ParisAutumnDay.AddDays(-1).ToString("yyyy-MM-dd"));
        await page.Locator($"#days-table tr[data-date='{ParisAutumnDay:yyyy-MM-dd}']").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.Locator("#days-details summary").ClickAsync();

        await page.Locator($"#days-table tr[data-date='{ParisAutumnDay:yyyy-MM-dd}']").ClickAsync();
        await Assertions.Expect(page.Locator("#day-title")).ToContainTextAsync(ParisAutumnDay.ToString("yyyy-MM-dd"));
        var autumn = await HourLabelsAsync(page);
        Assert.Equal(25, autumn.Length);
        Assert.Equal(25, autumn.Distinct().Count());
        Assert.Equal(["00:00 +02:00", "01:00 +02:00", "02:00 +02:00", "02:00 +01:00", "03:00 +01:00"], autumn[..5]);
        Assert.Equal("23:00 +01:00", autumn[^1]);
        Assert.Equal(autumn, await page.Locator("#hours-table tbody tr td:first-child").AllTextContentsAsync());
        await page.Locator("#day").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(ScreenshotFolder, "dashboard-day-25-hours.png") });

        await page.Locator($"#days-table tr[data-date='{ParisDay:yyyy-MM-dd}']").ClickAsync();
        await Assertions.Expect(page.Locator("#day-title")).ToContainTextAsync(ParisDay.ToString("yyyy-MM-dd"));
        var spring = await HourLabelsAsync(page);
        Assert.Equal(23, spring.Length);
        Assert.Equal(["00:00 +01:00", "01:00 +01:00", "03:00 +02:00", "04:00 +02:00"], spring[..4]);
        Assert.Equal("23:00 +02:00", spring[^1]);
    }

    [Fact]
    public async Task The_hours_of_a_day_are_shown_in_the_zone_the_day_was_cut_in_though_the_station_is_in_another_now()
    {
        // Smart188 is in UTC now; this day was computed when it was fetched in Paris time.
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var day = new DateOnly(2023, 5, 1);
        await _store.UpsertAveragesAsync([Day(Smart188, day, DayStart(day, paris), 24, 24, h => new() { ["pm2_5"] = 10 + h }, paris.Id)], Ct);
        var page = await OpenHoursOfAsync(day);

        Assert.StartsWith("24 hours in this day (Europe/Paris), 24 with data", await page.Locator("#day-summary").InnerTextAsync());
        Assert.Equal(["00:00", "10"], await page.Locator("#hours-table tbody tr").First.Locator("td").AllTextContentsAsync());
        Assert.Equal(["23:00", "33"], await page.Locator("#hours-table tbody tr").Last.Locator("td").AllTextContentsAsync());
    }

    [Fact]
    public async Task In_a_zone_of_a_half_hour_offset_the_hours_of_a_day_are_found_at_their_utc_hour_starts()
    {
        // AirQino's hours start on the UTC hour: a day in Kolkata (UTC+05:30) begins at 18:30 UTC, its first hour at 19:00.
        var kolkata = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
        var day = new DateOnly(2023, 5, 1);
        await _store.UpsertAveragesAsync(
            [Day(Smart188, day, DayStart(day, kolkata).AddMinutes(30), 24, 24, h => new() { ["pm2_5"] = 10 + h }, kolkata.Id)], Ct);
        var page = await OpenHoursOfAsync(day);

        Assert.StartsWith("24 hours in this day (Asia/Kolkata), 24 with data", await page.Locator("#day-summary").InnerTextAsync());
        Assert.Equal(["00:30", "10"], await page.Locator("#hours-table tbody tr").First.Locator("td").AllTextContentsAsync());
        Assert.Equal(["23:30", "33"], await page.Locator("#hours-table tbody tr").Last.Locator("td").AllTextContentsAsync());
    }

    [Fact]
    public async Task An_incomplete_day_above_the_guideline_is_not_counted_as_a_day_above_it_and_every_quantity_can_be_hidden()
    {
        // Six hours of PM2.5 far above the guideline, in place of the day stored without data: a mean of six hours, not of 24.
        await _store.UpsertAveragesAsync([Builders.Averages(Smart188, MissingDay, hoursCovered: 6, isComplete: false,
            quantities: new Dictionary<string, QuantityStats> { ["co"] = Builders.Stats(0.5, 6), ["pm2_5"] = Builders.Stats(80, 6) })], Ct);
        var page = await OpenAsync(1280, 900, mobile: false);

        Assert.StartsWith($"{StoredDays} days with data, 2 incomplete.", await page.Locator(".daily-card[data-quantity='pm2_5'] .summary").InnerTextAsync());
        Assert.Equal($"{DaysAbovePm25Guideline} of {CompleteDaysWithData} complete days above the WHO 24-hour guideline (15 µg/m³)",
            await page.Locator(".daily-card[data-quantity='pm2_5'] .guideline-count").InnerTextAsync());

        // The last quantity shown hidden by hand: no chart, and no other quantity switched on in its place.
        await page.Locator("#quantities button[data-quantity='co']").ClickAsync();
        await page.Locator("#quantities button[data-quantity='pm2_5']").ClickAsync();

        Assert.Equal(0, await page.Locator(".daily-card").CountAsync());
        Assert.DoesNotContain("true", await page.Locator("#quantities button").EvaluateAllAsync<string[]>("bs => bs.map(b => b.getAttribute('aria-pressed'))"));
        Assert.Equal("No quantity chosen: press one above to chart its daily means.", await page.Locator("#charts .message").InnerTextAsync());
    }

    [Fact]
    public async Task Today_fetched_before_it_ended_is_shown_as_still_running_not_as_an_incomplete_day()
    {
        var today = DateOnly.FromDateTime(Now.UtcDateTime);
        // Two hours of PM2.5 far above the guideline: not a 24-hour mean, so not a day above it.
        await _store.UpsertAveragesAsync([Builders.Averages(Smart188, today, hoursCovered: 2, fetchedAt: Now, isComplete: false,
            quantities: new Dictionary<string, QuantityStats> { ["co"] = Builders.Stats(0.5, 2), ["pm2_5"] = Builders.Stats(80, 2) })], Ct);
        const string coCanvas = "canvas[data-quantity='co']";
        var page = await OpenAsync(1280, 900, mobile: false, canvas: coCanvas);

        // The range ends on today; the day stored with 12 hours stays the one incomplete day.
        Assert.StartsWith($"{StoredDays} days with data, 1 incomplete, 1 still running.",
            await page.Locator(".daily-card[data-quantity='co'] .summary").InnerTextAsync());
        Assert.Equal($"{DaysAbovePm25Guideline} of {CompleteDaysWithData} complete days above the WHO 24-hour guideline (15 µg/m³)",
            await page.Locator(".daily-card[data-quantity='pm2_5'] .guideline-count").InnerTextAsync());
        var todayIndex = await page.EvaluateAsync<int>($"() => Chart.getChart(document.querySelector(\"{coCanvas}\")).data.labels.indexOf('{today:yyyy-MM-dd}')");
        Assert.Equal("circle", await page.EvaluateAsync<string>(
            $"() => Chart.getChart(document.querySelector(\"{coCanvas}\")).data.datasets[0].pointStyle[{todayIndex}]"));
        // The hollow circle is explained beside the chart.
        Assert.Equal("#fff", await page.EvaluateAsync<string>(
            $"() => Chart.getChart(document.querySelector(\"{coCanvas}\")).data.datasets[0].backgroundColor[{todayIndex}]"));
        Assert.Contains("day still running", await page.Locator(".legend").InnerTextAsync());
        Assert.Equal("50%", await page.Locator(".legend .key.running").EvaluateAsync<string>("k => getComputedStyle(k).borderRadius"));
        await page.Locator("#days-details summary").ClickAsync();
        Assert.Contains("running", await page.Locator($"#days-table tr[data-date='{today:yyyy-MM-dd}']").InnerTextAsync());
        Assert.DoesNotContain("incomplete", await page.Locator($"#days-table tr[data-date='{today:yyyy-MM-dd}']").InnerTextAsync());
        Assert.Contains("8 / 2 / 20 (1 still running)", await page.Locator($"#freshness tr[data-station='{Smart188}']").InnerTextAsync());
    }

    [Fact]
    public async Task Today_in_its_first_hour_is_shown_as_running_not_as_a_day_without_data()
    {
        var today = DateOnly.FromDateTime(Now.UtcDateTime);
        await _store.UpsertAveragesAsync([Builders.Averages(Smart188, today, hoursCovered: 0, fetchedAt: Now, isComplete: false,
            quantities: new Dictionary<string, QuantityStats>())], Ct);
        var page = await OpenAsync(1280, 900, mobile: false);
        // The range opens on the last day with an hour stored, yesterday here; today is asked for.
        await page.Locator("#to").FillAsync(today.ToString("yyyy-MM-dd"));

        await page.Locator("#days-details summary").ClickAsync();

        var row = page.Locator($"#days-table tr[data-date='{today:yyyy-MM-dd}']");
        Assert.Contains("running", await row.InnerTextAsync());
        Assert.DoesNotContain("no data", await row.InnerTextAsync());
        Assert.DoesNotContain("missing", await row.GetAttributeAsync("class") ?? "");
    }

    [Fact]
    public async Task The_boards_internal_temperature_is_shown_without_a_unit_as_it_is_not_in_degrees_celsius()
    {
        var page = await OpenAsync(1280, 900, mobile: false, station: Smart189, canvas: "canvas[data-quantity='co']");
        await page.Locator("#quantities button[data-quantity='internal_temperature']").ClickAsync();
        var card = page.Locator(".daily-card[data-quantity='internal_temperature']");

        Assert.Equal("Internal temperature · daily mean", await card.Locator("h2").InnerTextAsync());
        Assert.Equal("", await card.Locator("canvas").EvaluateAsync<string>("c => Chart.getChart(c).options.scales.y.title.text"));
        Assert.Contains("Internal temperature", await page.Locator("#days-table thead").TextContentAsync());
        Assert.DoesNotContain("°C", await page.Locator("#days-table thead").TextContentAsync());
    }

    [Fact]
    public async Task On_a_phone_the_page_fits_the_screen_width()
    {
        var page = await OpenAsync(390, 844, mobile: true);

        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"),
            "The page scrolls sideways on a 390 px wide screen.");
        var chart = await page.Locator(Pm25Canvas).BoundingBoxAsync();
        Assert.NotNull(chart);
        Assert.InRange(chart.Width, 300, 390);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, "dashboard-phone.png"), FullPage = true });
    }

    [Fact]
    public async Task Moving_one_end_of_the_range_past_the_other_takes_the_other_along()
    {
        var page = await OpenAsync(1280, 900, mobile: false);
        var (earlier, later) = (IncompleteDay, MissingDay);
        await page.Locator("#to").FillAsync(earlier.ToString("yyyy-MM-dd"));
        await page.WaitForFunctionAsync($"() => Chart.getChart(document.querySelector(\"{Pm25Canvas}\"))?.data.labels.at(-1) === '{earlier:yyyy-MM-dd}'");

        await page.Locator("#from").FillAsync(later.ToString("yyyy-MM-dd"));
        await page.Locator($"#days-table tr[data-date='{later:yyyy-MM-dd}']").WaitForAsync(new() { State = WaitForSelectorState.Attached });

        Assert.Equal(later.ToString("yyyy-MM-dd"), await page.Locator("#to").InputValueAsync());
        Assert.True(await page.Locator("#message").IsHiddenAsync(), await page.Locator("#message").TextContentAsync());
        Assert.Equal(1, await page.Locator("#days-table tbody tr").CountAsync());

        await page.Locator("#to").FillAsync(earlier.ToString("yyyy-MM-dd"));
        await page.Locator($"#days-table tr[data-date='{earlier:yyyy-MM-dd}']").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        Assert.Equal(earlier.ToString("yyyy-MM-dd"), await page.Locator("#from").InputValueAsync());
        Assert.True(await page.Locator("#message").IsHiddenAsync(), await page.Locator("#message").TextContentAsync());
    }

    [Fact]
    public async Task Screen_readers_find_each_chart_as_an_image_named_for_what_it_shows()
    {
        var page = await OpenAsync(1280, 900, mobile: false);

        Assert.Equal(1, await page.GetByRole(AriaRole.Img, new() { Name = "Daily means of PM2.5", Exact = true }).CountAsync());
        Assert.Equal(1, await page.GetByRole(AriaRole.Img, new() { Name = "Daily means of CO", Exact = true }).CountAsync());
        await page.Locator("#days-details summary").ClickAsync();
        await page.Locator($"#days-table tr[data-date='{FirstDay:yyyy-MM-dd}']").ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { Name = "Hourly means of the chosen day" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_data_age_of_every_station_is_legible_whether_fresh_late_or_stale()
    {
        // Hours until 21:00 on the day before Now: five hours old.
        await _store.UpsertAveragesAsync([Builders.Averages(ConfiguredWithoutData, FirstDay.AddDays(StoredDays - 1), hoursCovered: 21)], Ct);
        var page = await OpenAsync(1280, 900, mobile: false);

        foreach (var (station, age) in new[] { (Smart188, "good"), (ConfiguredWithoutData, "warn"), (Paris, "bad") })
        {
            var cell = page.Locator($"#freshness tr[data-station='{station}'] td.age");
            Assert.Contains(age, await cell.GetAttributeAsync("class"));
            // WCAG 2 AA for text of normal size: a contrast of at least 4.5:1 with the background.
            var contrast = await cell.EvaluateAsync<double>(ContrastWithBackground);
            Assert.True(contrast >= 4.5, $"The {age} data age of station {station} has a contrast of {contrast:0.00}:1.");
        }
    }

    [Theory]
    [InlineData(390, 844, true)]
    [InlineData(1280, 900, false)]
    public async Task Every_text_of_the_header_is_legible_on_the_colour_actually_behind_it(int width, int height, bool mobile)
    {
        var page = await OpenAsync(width, height, mobile);
        var header = page.Locator(".top");
        var texts = await header.EvaluateAsync<string>(HeaderTexts);
        // The background alone, as drawn: the header photographed with its texts made transparent.
        await header.EvaluateAsync("top => { for (const e of top.querySelectorAll('*')) e.style.color = 'transparent'; }");
        var background = Convert.ToBase64String(await header.ScreenshotAsync());

        // Decoded in a blank page, which the dashboard's Content-Security-Policy does not cover.
        var decoder = await page.Context.NewPageAsync();
        var contrasts = await decoder.EvaluateAsync<TextContrast[]>(WorstContrastBehindEachText, new { texts, background });

        Assert.Contains(contrasts, c => c.Text == "1 y");
        Assert.Contains(contrasts, c => c.Text == "To");
        // WCAG 2 AA for text of normal size: a contrast of at least 4.5:1 with the background.
        Assert.All(contrasts, c => Assert.True(c.Contrast >= 4.5, $"\"{c.Text}\" has a contrast of {c.Contrast:0.00}:1 at {width} px."));
    }

    [Fact]
    public async Task A_mean_is_shown_as_harmattan_run_prints_it_and_a_tiny_one_not_as_0()
    {
        const string station = "900000003";
        var day = FirstDay.AddDays(StoredDays - 1);
        // 1.0005 is stored as 1.000499999…: harmattan run rounds it to 15 significant digits first, hence 1.001.
        var (co, pm10, pm25) = (0.35495, 1.0005, 0.0004);
        await _store.UpsertAveragesAsync([Builders.Averages(station, day, quantities: new Dictionary<string, QuantityStats>
        {
            ["co"] = Builders.Stats(co), ["pm10"] = Builders.Stats(pm10), ["pm2_5"] = Builders.Stats(pm25),
        })], Ct);
        var page = await OpenAsync(1280, 900, mobile: false, station: station);
        await page.Locator("#quantities button[data-quantity='pm10']").ClickAsync();
        await page.Locator("#days-details summary").ClickAsync();

        // Where harmattan run prints 0, the page gives two significant digits.
        Assert.Equal("0", RunPrints(pm25));
        string[] shown = [RunPrints(co), RunPrints(pm10), "0.0004"];
        Assert.Equal(["0.355", "1.001", "0.0004"], shown);
        Assert.Equal(shown, (await page.Locator($"#days-table tr[data-date='{day:yyyy-MM-dd}'] td").AllTextContentsAsync()).Skip(3));
        Assert.Equal(["CO: 0.355 mg/m³"], await TooltipLinesAsync(page, "canvas[data-quantity='co']", day.ToString("yyyy-MM-dd")));
        Assert.Equal(["PM2.5: 0.0004 µg/m³"], await TooltipLinesAsync(page, Pm25Canvas, day.ToString("yyyy-MM-dd")));

        // The hours of the day, opened from its PM2.5 point, the last of the 30 days shown.
        await ClickPointAsync(page, Pm25Canvas, 29);
        await Assertions.Expect(page.Locator("#day-title")).ToContainTextAsync($"{day:yyyy-MM-dd} · hour by hour · PM2.5");
        Assert.Equal(["00:00", .. shown], await page.Locator("#hours-table tbody tr").First.Locator("td").AllTextContentsAsync());
        Assert.Equal(["PM2.5: 0.0004 µg/m³"], await TooltipLinesAsync(page, "#hourly-chart", "00:00"));
    }

    /// <summary>A mean as <c>harmattan run</c> prints it (RunCommand.Mean), in the page's locale.</summary>
    private static string RunPrints(double mean) => mean.ToString("0.###", CultureInfo.GetCultureInfo("en-GB"));

    [Fact]
    public async Task A_quantity_named_like_a_property_of_every_javascript_object_is_labelled_with_its_name()
    {
        const string station = "900000004";
        const string quantity = "constructor";
        await _store.UpsertAveragesAsync([Builders.Averages(station, FirstDay.AddDays(StoredDays - 1),
            quantities: new Dictionary<string, QuantityStats> { [quantity] = Builders.Stats(7) })], Ct);

        // Opening it draws its chart without a script error.
        var page = await OpenAsync(1280, 900, mobile: false, station: station, canvas: $"canvas[data-quantity='{quantity}']");

        Assert.Equal(quantity, await page.Locator($"#quantities button[data-quantity='{quantity}']").TextContentAsync());
        var card = page.Locator($".daily-card[data-quantity='{quantity}']");
        Assert.Equal($"{quantity} · daily mean", await card.Locator("h2").InnerTextAsync());
        Assert.Equal(1, await page.GetByRole(AriaRole.Img, new() { Name = $"Daily means of {quantity}", Exact = true }).CountAsync());
        // No WHO guideline, so no line for it.
        Assert.Equal(1, await card.Locator("canvas").EvaluateAsync<int>("c => Chart.getChart(c).data.datasets.length"));
        Assert.Equal(0, await card.Locator(".guideline-count").CountAsync());
    }

    [Fact]
    public async Task Markup_in_a_station_name_or_a_quantity_name_is_shown_as_text_never_made_into_elements()
    {
        const string stationName = "<img src=x class=injected> SMART188";
        const string quantity = "<b class=injected>pm1</b>";
        var page = await OpenAsync(1280, 900, mobile: false);
        await page.RouteAsync("**/api/stations", async route =>
        {
            var answer = await (await route.FetchAsync()).TextAsync();
            await route.FulfillAsync(new RouteFulfillOptions { ContentType = "application/json", Body = answer.Replace("\"SMART188\"", JsonSerializer.Serialize(stationName)) });
        });
        await page.RouteAsync("**/api/stations/*/daily*", async route =>
        {
            var answer = await (await route.FetchAsync()).TextAsync();
            await route.FulfillAsync(new RouteFulfillOptions { ContentType = "application/json", Body = answer.Replace("\"pm2_5\"", JsonSerializer.Serialize(quantity)) });
        });
        await page.ReloadAsync();
        await page.Locator("#quantities button").First.WaitForAsync();
        await page.Locator($"#quantities button[data-quantity='{quantity}']").ClickAsync();
        await page.Locator("#days-details summary").ClickAsync();

        Assert.Equal(0, await page.Locator(".injected").CountAsync());
        Assert.Equal(stationName, await page.Locator($"#freshness tr[data-station='{Smart188}'] .station-name").TextContentAsync());
        Assert.Equal($"{stationName} · {Smart188}", await page.Locator("#station option").First.TextContentAsync());
        Assert.Equal(quantity, await page.Locator($"#quantities button[data-quantity='{quantity}']").TextContentAsync());
        Assert.Contains($"{quantity} · daily mean", await page.Locator("#charts h2").AllTextContentsAsync());
        Assert.Contains(quantity, await page.Locator("#days-table thead").TextContentAsync());
    }

    [Fact]
    public async Task A_fresh_store_says_that_no_station_has_data_yet_and_what_to_run()
    {
        var path = Path.Combine(Path.GetTempPath(), $"harmattan-dashboard-page-{Guid.NewGuid():N}.db");
        try
        {
            using var store = new SqlitePipelineStore($"Data Source={path}");
            await store.InitializeAsync(Ct);
            await using var site = await DashboardSite.StartAsync(store, Ct);

            var page = await OpenAsync(375, 800, mobile: true, site: site.Address, ready: MessageShown);

            Assert.Equal("No station has data in the store yet: run `harmattan run --once` or a backfill, then reload this page.",
                await page.Locator("#message").InnerTextAsync());
            Assert.Equal(3, await page.Locator("#freshness tbody tr").CountAsync());
        }
        finally
        {
            TemporarySqliteDatabase.Delete(path);
        }
    }

    [Fact]
    public async Task A_store_written_by_a_newer_version_shows_its_refusal_in_place_of_the_charts()
    {
        var path = Path.Combine(Path.GetTempPath(), $"harmattan-dashboard-page-{Guid.NewGuid():N}.db");
        try
        {
            using (var writer = new SqlitePipelineStore($"Data Source={path}"))
            {
                await writer.InitializeAsync(Ct);
                await SeedAsync(writer, Ct);
            }
            await NewerStoreFile.MarkAsync(path, Ct);
            using var store = new SqlitePipelineStore($"Data Source={path}");
            await using var site = await DashboardSite.StartAsync(store, Ct);

            var page = await OpenAsync(1280, 900, mobile: false, site: site.Address, ready: MessageShown, refusedWith: 503);

            Assert.Equal($"The stations could not be read: {StoreUnavailableHandler.NewerStoreDetail}", await page.Locator("#message").InnerTextAsync());
            Assert.True(await page.Locator("#message").EvaluateAsync<bool>("m => m.classList.contains('error')"));
            Assert.Equal(0, await page.Locator("#charts canvas").CountAsync());
        }
        finally
        {
            TemporarySqliteDatabase.Delete(path);
        }
    }

    [Fact]
    public async Task A_station_whose_data_stopped_or_never_came_says_so_above_its_charts()
    {
        var current = await OpenAsync(1280, 900, mobile: false);
        Assert.True(await current.Locator("#message").IsHiddenAsync());

        // The Paris station's last hour stored begins at 00:00 on 27 March (22:00 UTC the day before).
        var stale = await OpenAsync(1280, 900, mobile: false, station: Paris);
        Assert.Equal("No new data from Paris test station for 76 d 3 h: the last hour stored is 27 Mar 2023, 00:00, so the range ends on that day.",
            await stale.Locator("#message").InnerTextAsync());
        Assert.Equal(ParisDay.AddDays(1).ToString("yyyy-MM-dd"), await stale.Locator("#to").InputValueAsync());

        var never = await OpenAsync(1280, 900, mobile: false, station: ConfiguredWithoutData, ready: MessageShown);
        Assert.Equal($"{ConfiguredWithoutData} has no data in the store yet: it has not been fetched, or its source had no hour.",
            await never.Locator("#message").InnerTextAsync());
    }

    [Fact]
    public async Task An_answer_for_a_station_no_longer_chosen_is_not_drawn_when_it_comes_late()
    {
        var page = await OpenAsync(1280, 900, mobile: false);
        var lateAnswered = new TaskCompletionSource();
        await page.RouteAsync($"**/api/stations/{Smart188}/daily*", async route =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1.5), Ct);
            await route.ContinueAsync();
            lateAnswered.TrySetResult();
        });

        await page.Locator(".ranges button[data-days='90']").ClickAsync();
        await page.Locator("#station").SelectOptionAsync(Smart189);
        await page.Locator("#quantities button[data-quantity='pm10']").WaitForAsync();
        await lateAnswered.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        // Time for the page to read and draw the late answer, were it to.
        await Task.Delay(TimeSpan.FromMilliseconds(500), Ct);

        Assert.Equal(0, await page.Locator("#quantities button[data-quantity='pm2_5']").CountAsync());
        Assert.Equal(Smart189Days.Length, await page.Locator("#days-table tbody tr").CountAsync());
    }

    [Fact]
    public async Task A_station_whose_days_cannot_be_read_shows_the_error_and_not_the_charts_of_the_station_before()
    {
        var page = await OpenAsync(1280, 900, mobile: false);
        const string detail = "The pipeline store did not answer in time; try again in 10 s.";
        await page.RouteAsync($"**/api/stations/{Smart189}/daily*", route => route.FulfillAsync(new RouteFulfillOptions
        {
            Status = 503, ContentType = "application/problem+json", Body = $$"""{"status": 503, "detail": "{{detail}}"}""",
        }));

        await page.Locator("#station").SelectOptionAsync(Smart189);
        await page.Locator("#message.error").WaitForAsync();

        Assert.Equal(detail, await page.Locator("#message").InnerTextAsync());
        Assert.Equal(0, await page.Locator("#charts canvas").CountAsync());
        Assert.Equal(0, await page.Locator("#quantities button").CountAsync());
        Assert.Equal(0, await page.Locator("#days-table tbody tr").CountAsync());
    }

    [Fact]
    public async Task The_hours_of_the_day_clicked_last_stay_shown_when_those_of_a_day_clicked_before_come_late()
    {
        var page = await OpenAsync(1280, 900, mobile: false);
        var first = FirstDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var second = FirstDay.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var firstAnswered = new TaskCompletionSource();
        await page.RouteAsync(url => url.EndsWith($"/api/stations/{Smart188}/hourly?date={first}", StringComparison.Ordinal), async route =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1.5), Ct);
            await route.ContinueAsync();
            firstAnswered.TrySetResult();
        });

        await page.Locator("#days-details summary").ClickAsync();
        await page.Locator($"#days-table tr[data-date='{first}']").ClickAsync();
        await page.Locator($"#days-table tr[data-date='{second}']").ClickAsync();
        await Assertions.Expect(page.Locator("#day-title")).ToHaveTextAsync(new Regex($"^{second}"));
        await firstAnswered.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        // Time for the page to read and draw the late answer, were it to.
        await Task.Delay(TimeSpan.FromMilliseconds(500), Ct);

        Assert.StartsWith(second, await page.Locator("#day-title").InnerTextAsync());
    }

    [Fact]
    public async Task When_the_hours_of_a_day_cannot_be_read_the_error_is_shown_in_sight_in_place_of_the_hours_shown_before()
    {
        var page = await OpenAsync(390, 844, mobile: true);
        await page.Locator("#days-details summary").ClickAsync();
        await page.Locator($"#days-table tr[data-date='{FirstDay:yyyy-MM-dd}']").ClickAsync();
        await Assertions.Expect(page.Locator("#hours-table tbody tr")).ToHaveCountAsync(24);
        const string detail = "The pipeline store did not answer in time; try again in 10 s.";
        await page.RouteAsync($"**/api/stations/{Smart188}/hourly*", route => route.FulfillAsync(new RouteFulfillOptions
        {
            Status = 503, ContentType = "application/problem+json", Body = $$"""{"status": 503, "detail": "{{detail}}"}""",
        }));

        // The table of days lies below the charts, out of sight of the top of the page on a phone.
        var failing = FirstDay.AddDays(1);
        await page.Locator($"#days-table tr[data-date='{failing:yyyy-MM-dd}']").ClickAsync();

        await Assertions.Expect(page.Locator("#day").GetByText(detail)).ToBeInViewportAsync();
        Assert.StartsWith(failing.ToString("yyyy-MM-dd"), await page.Locator("#day-title").InnerTextAsync());
        await Assertions.Expect(page.Locator("#hourly-chart")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#hours-table")).ToBeHiddenAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, "dashboard-day-error.png") });
    }

    [Fact]
    public async Task On_a_phone_a_long_station_name_does_not_push_the_data_age_out_of_sight()
    {
        var page = await OpenAsync(375, 800, mobile: true);
        await page.RouteAsync("**/api/stations", async route =>
        {
            var answer = await (await route.FetchAsync()).TextAsync();
            await route.FulfillAsync(new RouteFulfillOptions
            {
                ContentType = "application/json", Body = answer.Replace("\"SMART188\"", "\"Grand Marché de Treichville, Abidjan\""),
            });
        });
        await page.ReloadAsync();
        await page.WaitForFunctionAsync($"() => {{ const c = document.querySelector(\"{Pm25Canvas}\"); return c && Chart.getChart(c); }}");

        var rightEdges = await page.Locator("#freshness tbody td.age").EvaluateAllAsync<double[]>("cells => cells.map(c => c.getBoundingClientRect().right)");
        Assert.Equal(4, rightEdges.Length);
        Assert.All(rightEdges, right => Assert.True(right <= 375, $"A data age ends at {right} px, off a 375 px wide screen."));
        // Every figure in sight, none past the screen's edge for a sideways scroll to find.
        var widths = await page.Locator("#freshness").EvaluateAsync<double[]>("t => [t.parentElement.scrollWidth, t.parentElement.clientWidth]");
        var (scrolled, shown) = (widths[0], widths[1]);
        Assert.True(scrolled <= shown, $"The freshness table is {scrolled} px wide in {shown} px.");
        Assert.Equal("Last hour stored", await page.Locator("#freshness tbody tr").First.Locator("td").Nth(3)
            .EvaluateAsync<string>("c => getComputedStyle(c, '::before').content.replaceAll('\"', '')"));
        await page.Locator("#freshness").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(ScreenshotFolder, "dashboard-phone-freshness.png") });
    }

    [Fact]
    public async Task Retyping_the_year_of_the_end_of_the_range_from_the_keyboard_keeps_its_start_and_its_charts()
    {
        var page = await OpenAsync(1280, 900, mobile: false);
        var (from, to) = (await page.Locator("#from").InputValueAsync(), await page.Locator("#to").InputValueAsync());

        // The year is the last part of the field whatever the locale's order (dd/mm/yyyy, mm/dd/yyyy): typed digit by
        // digit as a person types it, it reads 0002, 0020, 0202, then the year.
        await page.Locator("#to").FocusAsync();
        await page.Keyboard.PressAsync("ArrowRight");
        await page.Keyboard.PressAsync("ArrowRight");
        await page.Keyboard.TypeAsync(to[..4], new() { Delay = 150 });
        // Leaving the field moves the range at once (if the pause in typing has not already): then it is drawn.
        await page.Keyboard.PressAsync("Tab");
        await Assertions.Expect(page.Locator("#charts")).ToHaveAttributeAsync("aria-busy", "false");

        Assert.Equal(to, await page.Locator("#to").InputValueAsync());
        Assert.Equal(from, await page.Locator("#from").InputValueAsync());
        Assert.True(await page.Locator("#message").IsHiddenAsync(), await page.Locator("#message").TextContentAsync());
        Assert.Equal(1, await page.Locator(Pm25Canvas).CountAsync());
    }

    [Fact]
    public async Task A_quick_range_clicked_straight_after_typing_an_end_asks_for_its_own_range_only()
    {
        var page = await OpenAsync(1280, 900, mobile: false);
        var to = await page.Locator("#to").InputValueAsync();
        var asked = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Url.Contains("/daily?", StringComparison.Ordinal))
                asked.Add(request.Url[request.Url.IndexOf("from=", StringComparison.Ordinal)..]);
        };

        // The year retyped, then the button clicked before the typing's pause would load the range typed.
        await TypeYearOfToWithTheClockStoppedAsync(page, to[..4]);
        await page.Locator(".ranges button[data-days='90']").ClickAsync();
        await page.Clock.ResumeAsync();
        await page.WaitForFunctionAsync($"() => Chart.getChart(document.querySelector(\"{Pm25Canvas}\"))?.data.labels.length === 90");

        var ninetyDays = DateOnly.ParseExact(to, "yyyy-MM-dd", CultureInfo.InvariantCulture).AddDays(-89);
        Assert.Equal([$"from={ninetyDays:yyyy-MM-dd}&to={to}"], asked);
    }

    [Fact]
    public async Task An_end_typed_then_left_with_tab_over_the_quick_ranges_is_loaded()
    {
        var page = await OpenAsync(1280, 900, mobile: false);
        var to = DateOnly.ParseExact(await page.Locator("#to").InputValueAsync(), "yyyy-MM-dd", CultureInfo.InvariantCulture);
        var yearBefore = to.AddYears(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        // The year before typed into "To", then Tab onto the first quick range and on past it, no click.
        await TypeYearOfToWithTheClockStoppedAsync(page, yearBefore[..4]);
        // Chromium's date field may take a Tab for its calendar button before the next control.
        var onFirstRange = false;
        for (var tabs = 0; tabs < 3 && !onFirstRange; tabs++)
        {
            await page.Keyboard.PressAsync("Tab");
            onFirstRange = await page.Locator(".ranges button").First.EvaluateAsync<bool>("b => b === document.activeElement");
        }
        Assert.True(onFirstRange, "Tab from \"To\" never reached the first quick range.");
        var request = await page.RunAndWaitForRequestAsync(async () =>
        {
            await page.Keyboard.PressAsync("Tab");
            await page.Clock.ResumeAsync();
        }, request => request.Url.Contains("/daily?", StringComparison.Ordinal));

        Assert.EndsWith($"from={yearBefore}&to={yearBefore}", request.Url);
        Assert.Equal(yearBefore, await page.Locator("#from").InputValueAsync());
    }

    /// <summary>
    /// Types <paramref name="year"/> over the year of "To" as a person does, with the page's clock stopped until
    /// <c>page.Clock.ResumeAsync()</c>, so that a slow machine cannot make the pause in typing that loads the range.
    /// </summary>
    private static async Task TypeYearOfToWithTheClockStoppedAsync(IPage page, string year)
    {
        await page.Clock.InstallAsync();
        await page.Clock.PauseAtAsync(DateTime.UtcNow.AddMinutes(1));
        await page.Locator("#to").FocusAsync();
        await page.Keyboard.PressAsync("ArrowRight");
        await page.Keyboard.PressAsync("ArrowRight");
        await page.Keyboard.TypeAsync(year);
    }

    [Fact]
    public async Task Emptying_the_end_of_the_range_with_backspace_keeps_its_start_and_a_quick_range_still_works()
    {
        var page = await OpenAsync(1280, 900, mobile: false);
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        var from = await page.Locator("#from").InputValueAsync();

        await page.Locator("#to").FocusAsync();
        await page.Keyboard.PressAsync("Backspace");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal(from, await page.Locator("#from").InputValueAsync());

        await page.Locator(".ranges button[data-days='90']").ClickAsync();
        await page.WaitForFunctionAsync($"() => Chart.getChart(document.querySelector(\"{Pm25Canvas}\"))?.data.labels.length === 90");

        Assert.True(errors.Count == 0, string.Join('\n', errors));
        Assert.Equal(FirstDay.AddDays(StoredDays - 1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), await page.Locator("#to").InputValueAsync());
    }

    [Fact]
    public async Task While_the_days_of_another_station_load_the_page_says_so_and_hides_the_charts_of_the_station_before()
    {
        var page = await OpenAsync(1280, 900, mobile: false);
        // A slow link (3G) takes seconds to answer: Smart189's days are held back until the page was looked at.
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync($"**/api/stations/{Smart189}/daily*", async route =>
        {
            await answer.Task;
            await route.ContinueAsync();
        });

        await page.Locator("#station").SelectOptionAsync(Smart189);

        // Meanwhile Smart188's charts and quantities would pass for Smart189's.
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Loading the days of" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#charts")).ToHaveAttributeAsync("aria-busy", "true");
        Assert.Equal(0, await page.Locator("#quantities button").CountAsync());
        Assert.Equal(0, await page.Locator("#charts canvas").CountAsync());
        answer.SetResult();
        await page.Locator("#quantities button[data-quantity='pm10']").WaitForAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Loading" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task When_the_chart_library_cannot_be_loaded_the_page_says_so_and_its_tables_show_the_values()
    {
        await using var context = await _browser.NewContextAsync(new BrowserNewContextOptions { Locale = "en-GB" });
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        await page.RouteAsync("**/vendor/chart.umd.min.js", route => route.AbortAsync("connectionreset"));

        await page.GotoAsync(_site.Address.ToString());

        await Assertions.Expect(page.Locator("#charts")).ToContainTextAsync("The chart library (vendor/chart.umd.min.js) could not be loaded");
        await Assertions.Expect(page.Locator("#days-table tbody tr")).ToHaveCountAsync(StoredDays);
        Assert.True(await page.Locator("#days-details").GetAttributeAsync("open") is not null, "the table of days stayed closed");
        Assert.Equal(0, await page.Locator("#charts canvas").CountAsync());
        // Said in the live region, and each quantity keeps its counts, which need no chart.
        Assert.Contains("could not be loaded", await page.Locator("#announce").TextContentAsync());
        await Assertions.Expect(page.Locator(".daily-card[data-quantity='pm2_5'] .guideline-count")).ToContainTextAsync("complete days above the WHO 24-hour guideline");
        Assert.True(await page.Locator("#freshness tbody tr").CountAsync() > 0, "the freshness table is empty");
        // A quantity switched on adds its column to the table, as it would add its chart.
        var columns = await page.Locator("#days-table thead th").CountAsync();
        await page.Locator("#quantities button[aria-pressed='false']").First.ClickAsync();
        await Assertions.Expect(page.Locator("#days-table thead th")).ToHaveCountAsync(columns + 1);

        await page.Locator($"#days-table tr[data-date='{FirstDay:yyyy-MM-dd}']").ClickAsync();

        await Assertions.Expect(page.Locator("#hours-table tbody tr")).ToHaveCountAsync(24);
        await Assertions.Expect(page.Locator("#hours-table")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#hourly-chart")).ToBeHiddenAsync();
        Assert.True(errors.Count == 0, string.Join('\n', errors));
    }

    [Fact]
    public async Task When_the_dashboard_stops_answering_the_message_says_so_in_words_not_the_browsers_jargon()
    {
        var page = await OpenAsync(1280, 900, mobile: false);
        await page.RouteAsync("**/api/**", route => route.AbortAsync("connectionrefused"));

        await page.Locator("#station").SelectOptionAsync(Smart189);
        await page.Locator("#message.error").WaitForAsync();

        var text = await page.Locator("#message").InnerTextAsync();
        Assert.DoesNotContain("Failed to fetch", text);
        Assert.Contains("did not answer", text);
    }

    [Fact]
    public async Task The_flag_of_a_day_without_data_is_legible()
    {
        var page = await OpenAsync(1280, 900, mobile: false);
        var flag = page.Locator($"#days-table tr[data-date='{MissingDay:yyyy-MM-dd}'] .flag");

        Assert.Equal("no data", await flag.TextContentAsync());
        // WCAG 2 AA for text of normal size: a contrast of at least 4.5:1 with the background.
        var contrast = await flag.EvaluateAsync<double>(ContrastWithBackground);
        Assert.True(contrast >= 4.5, $"The flag \"no data\" has a contrast of {contrast:0.00}:1.");
    }

    [Fact]
    public async Task A_day_opened_from_the_keyboard_opens_with_space_too_and_is_announced()
    {
        var page = await OpenAsync(1280, 900, mobile: false);
        await page.Locator("#days-details summary").ClickAsync();
        var day = FirstDay.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        await page.Locator($"#days-table tr[data-date='{day}']").FocusAsync();
        await page.Keyboard.PressAsync("Space");

        await Assertions.Expect(page.Locator("#day-title")).ToHaveTextAsync(new Regex($"^{day}"), new() { Timeout = 5000 });
        // The hours open above the focused row: a screen reader hears of them only through a live region.
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = day })).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task On_a_360_px_phone_the_chosen_station_is_shown_whole()
    {
        var page = await OpenAsync(360, 740, mobile: true);

        var text = await page.Locator("#station").EvaluateAsync<string>("s => s.options[s.selectedIndex].text");
        var room = await page.Locator("#station").EvaluateAsync<double>("""
            s => {
              const context = document.createElement("canvas").getContext("2d");
              context.font = getComputedStyle(s).font;
              // Its padding and its arrow take about 2.5rem of the box.
              return s.clientWidth - 40 - context.measureText(s.options[s.selectedIndex].text).width;
            }
            """);
        Assert.True(room >= 0, $"\"{text}\" is cut by {-room:0} px in the station list.");
    }

    /// <summary>The page on Smart188 with <paramref name="day"/> in its range, and that day's hours opened from the table of days.</summary>
    private async Task<IPage> OpenHoursOfAsync(DateOnly day)
    {
        var page = await OpenAsync(1280, 900, mobile: false);
        await page.Locator("#from").FillAsync(day.ToString("yyyy-MM-dd"));
        var row = page.Locator($"#days-table tr[data-date='{day:yyyy-MM-dd}']");
        await row.WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.Locator("#days-details summary").ClickAsync();
        await row.ClickAsync();
        await Assertions.Expect(page.Locator("#day-title")).ToContainTextAsync(day.ToString("yyyy-MM-dd"));
        return page;
    }

    /// <param name="refusedWith">The status the site answers the page's requests with, which the browser reports on its console.</param>
    private async Task<IPage> OpenAsync(int width, int height, bool mobile, string? station = null, string canvas = Pm25Canvas,
        Uri? site = null, string? ready = null, int? refusedWith = null)
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            IsMobile = mobile,
            HasTouch = mobile,
            DeviceScaleFactor = mobile ? 2 : 1,
            Locale = "en-GB",
        });
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        // A resource or style the page's Content-Security-Policy refuses is reported on the console, not as a page error.
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !(refusedWith is { } status
                    && message.Text.StartsWith($"Failed to load resource: the server responded with a status of {status} ", StringComparison.Ordinal)))
                errors.Add(message.Text);
        };
        var address = site ?? _site.Address;
        await page.GotoAsync(station is null ? address.ToString() : $"{address}?station={station}");
        await page.WaitForFunctionAsync(ready ?? $"() => {{ const c = document.querySelector(\"{canvas}\"); return c && Chart.getChart(c); }}");
        Assert.True(errors.Count == 0, string.Join('\n', errors));
        return page;
    }

    /// <summary>The WCAG contrast ratio of an element's text with the first opaque background behind it.</summary>
    private const string ContrastWithBackground = """
        element => {
          const luminance = (color) => {
            const [r, g, b] = color.match(/[\d.]+/g).slice(0, 3).map((v) => v / 255)
              .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
            return 0.2126 * r + 0.7152 * g + 0.0722 * b;
          };
          let behind = element;
          while (getComputedStyle(behind).backgroundColor === "rgba(0, 0, 0, 0)") behind = behind.parentElement;
          const [lighter, darker] = [luminance(getComputedStyle(element).color), luminance(getComputedStyle(behind).backgroundColor)]
            .sort((a, b) => b - a);
          return (lighter + 0.05) / (darker + 0.05);
        }
        """;

    /// <summary>Filled by Playwright, which needs a constructor without parameters.</summary>
    private sealed class TextContrast
    {
        public string Text { get; set; } = "";
        public double Contrast { get; set; }
    }

    /// <summary>As JSON: each text of the header outside the drop-down list, its colour, and its box in the header (CSS pixels).</summary>
    private const string HeaderTexts = """
        top => {
          const origin = top.getBoundingClientRect();
          const texts = [];
          const walker = document.createTreeWalker(top, NodeFilter.SHOW_TEXT);
          for (let node; (node = walker.nextNode());) {
            if (!node.textContent.trim() || node.parentElement.closest("select")) continue;
            const range = document.createRange();
            range.selectNodeContents(node);
            const box = range.getBoundingClientRect();
            texts.push({ text: node.textContent.trim(), color: getComputedStyle(node.parentElement).color,
              left: box.left - origin.left, top: box.top - origin.top, width: box.width, height: box.height, headerWidth: origin.width });
          }
          return JSON.stringify(texts);
        }
        """;

    /// <summary>For each text, the lowest WCAG contrast of its colour with a pixel of the background photographed behind it.</summary>
    private const string WorstContrastBehindEachText = """
        async ({ texts, background }) => {
          const luminance = ([r, g, b]) => [r, g, b].map((v) => v / 255)
            .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4))
            .reduce((sum, v, i) => sum + [0.2126, 0.7152, 0.0722][i] * v, 0);
          const image = new Image();
          image.src = `data:image/png;base64,${background}`;
          await image.decode();
          const canvas = document.createElement("canvas");
          [canvas.width, canvas.height] = [image.width, image.height];
          const context = canvas.getContext("2d");
          context.drawImage(image, 0, 0);
          return JSON.parse(texts).map((t) => {
            const scale = image.width / t.headerWidth;
            const pixels = context.getImageData(Math.round(t.left * scale), Math.round(t.top * scale),
              Math.max(1, Math.round(t.width * scale)), Math.max(1, Math.round(t.height * scale))).data;
            const text = luminance(t.color.match(/[\d.]+/g).map(Number));
            let contrast = Infinity;
            for (let i = 0; i < pixels.length; i += 4) {
              const [lighter, darker] = [text, luminance([pixels[i], pixels[i + 1], pixels[i + 2]])].sort((a, b) => b - a);
              contrast = Math.min(contrast, (lighter + 0.05) / (darker + 0.05));
            }
            return { text: t.text, contrast };
          });
        }
        """;

    /// <summary>The lines of the tooltip a chart shows for its point (or bar) at <paramref name="label"/>.</summary>
    private static Task<string[]> TooltipLinesAsync(IPage page, string canvas, string label) =>
        page.Locator(canvas).EvaluateAsync<string[]>("""
            (canvas, label) => {
              const chart = Chart.getChart(canvas);
              chart.tooltip.setActiveElements([{ datasetIndex: 0, index: chart.data.labels.indexOf(label) }], { x: 0, y: 0 });
              chart.update();
              return chart.tooltip.body.flatMap((b) => b.lines);
            }
            """, label);

    private static Task<string[]> HourLabelsAsync(IPage page) =>
        page.EvaluateAsync<string[]>("() => Chart.getChart(document.getElementById('hourly-chart')).data.labels");

    private static async Task ClickPointAsync(IPage page, string canvas, int index)
    {
        var box = await page.Locator(canvas).BoundingBoxAsync();
        var point = await page.EvaluateAsync<double[]>(
            $"() => {{ const p = Chart.getChart(document.querySelector(\"{canvas}\")).getDatasetMeta(0).data[{index}]; return [p.x, p.y]; }}");
        await page.Mouse.ClickAsync(box!.X + (float)point[0], box.Y + (float)point[1]);
    }
}
