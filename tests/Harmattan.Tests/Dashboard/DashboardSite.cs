using Harmattan.Contracts;
using Harmattan.Dashboard;
using Harmattan.Hosting;
using Harmattan.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Harmattan.Tests.Dashboard;

/// <summary>
/// The dashboard as its host wires it (page, API, health endpoints) on a free localhost port, over a given store,
/// at a fixed "now". The seeded data are described by the constants below.
/// </summary>
public sealed class DashboardSite : IAsyncDisposable
{
    public const string Smart188 = "283164601";   // configured with a name, UTC: ten days
    public const string Smart189 = "283181971";   // stored but not configured: three days, a week never fetched between two of them
    public const string Paris = "900000001";      // configured in Europe/Paris: the day the clocks go forward
    public const string ConfiguredWithoutData = "900000002";

    public static readonly DateOnly FirstDay = new(2023, 6, 1);
    public const int StoredDays = 10;
    public static readonly DateOnly IncompleteDay = new(2023, 6, 3);   // 12 hours covered
    public static readonly DateOnly MissingDay = new(2023, 6, 5);      // stored with no hour at the source
    public static readonly DateOnly ParisDay = new(2023, 3, 26);       // 23 hours in Europe/Paris
    public static readonly DateOnly ParisAutumnDay = new(2022, 10, 30); // 25 hours in Europe/Paris: 02:00 twice

    /// <summary>The days stored for <see cref="Smart189"/>, the i-th with a PM10 mean of <c>40 + 10 i</c> µg/m³.</summary>
    public static readonly DateOnly[] Smart189Days = [FirstDay, FirstDay.AddDays(1), FirstDay.AddDays(9)];

    /// <summary>Two hours after the end of the last stored hour (2023-06-10 23:00 UTC).</summary>
    public static readonly DateTimeOffset Now = new(2023, 6, 11, 2, 0, 0, TimeSpan.Zero);

    private readonly WebApplication _app;

    private DashboardSite(WebApplication app, Uri address, FakeTimeProvider time)
    {
        _app = app;
        Address = address;
        Time = time;
        Client = new HttpClient { BaseAddress = address };
    }

    public Uri Address { get; }
    public HttpClient Client { get; }

    /// <summary>The site's clock, at <see cref="Now"/> until a test moves it.</summary>
    public FakeTimeProvider Time { get; }

    /// <param name="logs">Receives the site's log entries besides the console.</param>
    public static async Task<DashboardSite> StartAsync(IPipelineStore store, CancellationToken cancellationToken, LogCapture? logs = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Stations:0:Id"] = Smart188,
            ["Stations:0:Name"] = "SMART188",
            ["Stations:1:Id"] = Paris,
            ["Stations:1:Name"] = "Paris test station",
            ["Stations:1:TimeZone"] = "Europe/Paris",
            ["Stations:2:Id"] = ConfiguredWithoutData,
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        if (logs is not null)
            builder.Logging.AddProvider(logs);
        builder.Services.AddSingleton(store);
        var time = new FakeTimeProvider(Now);
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddDashboard(builder.Configuration);
        var app = builder.Build();
        app.MapDefaultEndpoints(describeChecks: false);
        app.MapDashboard();
        await app.StartAsync(cancellationToken);
        return new DashboardSite(app, new Uri(app.Urls.First() + "/"), time);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.DisposeAsync();
    }

    /// <summary>PM2.5 on day i (0-based) of <see cref="Smart188"/>: hour h reads <c>Pm25(i) + h % 3 - 1</c>, mean Pm25(i).</summary>
    public static double Pm25(int day) => 6 + 3 * day;

    /// <summary>Complete days of <see cref="Smart188"/> whose PM2.5 mean exceeds the WHO guideline of 15 µg/m³.</summary>
    public static int DaysAbovePm25Guideline =>
        Enumerable.Range(0, StoredDays).Count(i => FirstDay.AddDays(i) != MissingDay && FirstDay.AddDays(i) != IncompleteDay && Pm25(i) > 15);

    /// <summary>The days of <see cref="Smart188"/> with a 24-hour mean: all but the missing and the incomplete one.</summary>
    public const int CompleteDaysWithData = StoredDays - 2;

    public static async Task SeedAsync(IPipelineStore store, CancellationToken cancellationToken)
    {
        var batch = new List<AveragesComputed>();
        for (var i = 0; i < StoredDays; i++)
        {
            var day = FirstDay.AddDays(i);
            var hours = day == MissingDay ? 0 : day == IncompleteDay ? 12 : 24;
            batch.Add(Day(Smart188, day, DayStart(day, TimeZoneInfo.Utc), 24, hours,
                h => new() { ["pm2_5"] = Pm25(i) + h % 3 - 1, ["co"] = 0.4 + 0.01 * i + 0.1 / 3 * (h % 3), ["temperature"] = 27 + h % 5 }));
        }
        for (var i = 0; i < Smart189Days.Length; i++)
        {
            var day = Smart189Days[i];
            batch.Add(Day(Smart189, day, DayStart(day, TimeZoneInfo.Utc), 24, 24, h => new() { ["pm10"] = 40 + 10 * i, ["co"] = 0.3, ["internal_temperature"] = 300 + 10 * i }));
        }
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        batch.Add(Day(Paris, ParisDay, DayStart(ParisDay, paris), 23, 23, h => new() { ["pm2_5"] = h }, paris.Id));
        batch.Add(Day(Paris, ParisAutumnDay, DayStart(ParisAutumnDay, paris), 25, 25, h => new() { ["pm2_5"] = h }, paris.Id));
        // An hour of the next local day, which the hourly view of ParisDay must leave out.
        batch.Add(Day(Paris, ParisDay.AddDays(1), DayStart(ParisDay.AddDays(1), paris), 24, 1, h => new() { ["pm2_5"] = 99 }, paris.Id));
        await store.UpsertAveragesAsync(batch, cancellationToken);
    }

    public static DateTimeOffset DayStart(DateOnly day, TimeZoneInfo zone) =>
        new KnownStation("", null, zone).StartOfDay(day);

    /// <summary>One stored day of <paramref name="station"/> cut in <paramref name="timeZone"/>, its first <paramref name="hoursCovered"/> hours reading <paramref name="values"/>.</summary>
    public static AveragesComputed Day(string station, DateOnly day, DateTimeOffset start, int hoursInDay, int hoursCovered,
        Func<int, Dictionary<string, double>> values, string timeZone = "UTC")
    {
        var hourly = Enumerable.Range(0, hoursCovered)
            .Select(h => new HourlyAverage { Hour = start.AddHours(h), Quantities = Stats(values(h).ToDictionary(v => v.Key, v => new[] { v.Value })) })
            .ToList();
        var perQuantity = Enumerable.Range(0, hoursCovered).SelectMany(h => values(h))
            .GroupBy(v => v.Key).ToDictionary(g => g.Key, g => g.Select(v => v.Value).ToArray());
        var completeness = hoursCovered / (double)hoursInDay;
        return new AveragesComputed
        {
            StationId = station,
            WindowStart = start,
            WindowEnd = start.AddHours(hoursInDay),
            TimeZone = timeZone,
            SourceFetchId = Guid.NewGuid(),
            SourceFetchedAt = start.AddDays(1).AddMinutes(5),
            AlgorithmVersion = 1,
            Hourly = hourly,
            Daily =
            [
                new DailyAverage
                {
                    Date = day, HoursCovered = hoursCovered, HoursInDay = hoursInDay, Completeness = completeness,
                    IsComplete = completeness >= 0.75, Quantities = Stats(perQuantity),
                },
            ],
        };
    }

    private static Dictionary<string, QuantityStats> Stats(Dictionary<string, double[]> values) =>
        values.ToDictionary(v => v.Key, v => new QuantityStats
        {
            Mean = v.Value.Average(), Min = v.Value.Min(), Max = v.Value.Max(), Count = v.Value.Length,
            // A day's CO had one value out of range, so that every number of a row is seen.
            Rejected = v.Key == "co" && v.Value.Length > 1 ? 1 : 0,
        });
}
