using Harmattan.AirQinoSimulator;
using Harmattan.Contracts;
using Harmattan.Extractor;
using Harmattan.Loader;
using Harmattan.Stations;
using Harmattan.Storage;
using Harmattan.Transformer;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Harmattan.Tests.Pipeline;

/// <summary>
/// Extractor, transformer and loader on the MassTransit in-memory harness, the simulator serving synthetic stations,
/// a real SQLite store: what is stored equals the averaging rule applied directly to what the simulator served.
/// </summary>
public sealed class InMemoryPipelineTests : IAsyncLifetime
{
    private static readonly string[] Stations = ["283164601", "283181971"];
    private static readonly DateTimeOffset SeriesEnd = new(2024, 3, 15, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly From = new(2024, 3, 1);
    private static readonly DateOnly To = new(2024, 3, 14);
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"harmattan-pipeline-{Guid.NewGuid():N}.db");
    private AirQinoSimulatorHost? _simulator;
    private ServiceProvider? _provider;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _simulator = await AirQinoSimulatorHost.StartAsync(new SimulatorOptions { StationIds = Stations, Days = 30, Now = SeriesEnd }, Ct);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AirQino:BaseUrl"] = _simulator.BaseUrl,
            ["Storage:Provider"] = "Sqlite",
            ["ConnectionStrings:Sqlite"] = $"Data Source={_path}",
            ["Loader:BatchTimeLimit"] = "00:00:00.050",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddExtractor(configuration);
        services.AddTransformer(configuration);
        services.AddLoader(configuration);
        services.AddHarmattanTestHarness(bus =>
        {
            bus.AddExtractorConsumers();
            bus.AddTransformerConsumers();
            bus.AddLoaderConsumers();
        });
        _provider = services.BuildServiceProvider(validateScopes: true);
        await _provider.GetRequiredService<IPipelineStore>().InitializeAsync(Ct);
        await _provider.GetRequiredService<ITestHarness>().Start();
    }

    public async ValueTask DisposeAsync()
    {
        if (_provider is not null)
            await _provider.DisposeAsync();
        if (_simulator is not null)
            await _simulator.DisposeAsync();
        TemporarySqliteDatabase.Delete(_path);
    }

    [Fact]
    public async Task The_store_holds_the_averages_of_what_the_source_served_and_a_second_run_changes_nothing()
    {
        var store = _provider!.GetRequiredService<IPipelineStore>();

        await RunPassAsync();
        var first = await SnapshotAsync(store);

        foreach (var station in Stations)
        {
            var expected = await ExpectedDailyAsync(station);
            var stored = first.Daily.Where(d => d.StationId == station).ToList();
            Assert.Equal(expected.Select(d => d.Date), stored.Select(d => d.Date));
            foreach (var (want, got) in expected.Zip(stored))
            {
                Assert.Equal((want.HoursCovered, want.HoursInDay, want.IsComplete), (got.HoursCovered, got.HoursInDay, got.IsComplete));
                Assert.Equal(want.Quantities.Keys.Order(), got.Quantities.Keys.Order());
                foreach (var (quantity, stats) in want.Quantities)
                    Assert.Equal(stats, got.Quantities[quantity]);
            }
        }
        Assert.Contains(first.Daily.SelectMany(d => d.Quantities.Values), q => q.Rejected > 0);

        await RunPassAsync();
        var second = await SnapshotAsync(store);
        Assert.Equal(first.Describe(), second.Describe());
    }

    private async Task RunPassAsync()
    {
        var harness = _provider!.GetRequiredService<ITestHarness>();
        var store = _provider!.GetRequiredService<IPipelineStore>();
        var startedAt = DateTimeOffset.UtcNow;
        var window = DayWindows.ForDays(From, To, TimeZoneInfo.Utc);
        foreach (var station in Stations)
            await harness.Bus.Publish(new FetchStationWindow
            {
                StationId = station, WindowStart = window.Start, WindowEnd = window.End, RequestedBy = "test",
            }, Ct);

        var days = To.DayNumber - From.DayNumber + 1;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            var stored = 0;
            foreach (var station in Stations)
                stored += (await store.GetDailyAveragesAsync(station, From, To, timeout.Token)).Count(d => d.SourceFetchedAt >= startedAt);
            if (stored == days * Stations.Length)
                break;
            Assert.False(await harness.Published.Any<Fault>(timeout.Token), "a message faulted");
            await Task.Delay(50, timeout.Token);
        }
        await harness.InactivityTask;
    }

    /// <summary>The averaging rule applied to the simulator's bytes for the same window, cut as the extractor cuts it.</summary>
    private async Task<List<DailyAverage>> ExpectedDailyAsync(string station)
    {
        using var http = new HttpClient();
        var window = DayWindows.ForDays(From, To, TimeZoneInfo.Utc);
        var url = $"{_simulator!.BaseUrl}/v3/getStationHourlyAvg/{station}?start_date={window.Start:yyyyMMdd-HHmm}&end_date={window.End:yyyyMMdd-HHmm}";
        var body = await http.GetByteArrayAsync(url, Ct);
        var readings = AirQinoParser.Parse(body, station, url, window.Start, window.End).Readings;
        var quality = new QualityOptions();
        return DayWindows.Split(window.Start, window.End, TimeZoneInfo.Utc).SelectMany(chunk =>
            AveragesCalculator.Compute(new RawReadingsFetched
            {
                FetchId = Guid.NewGuid(),
                StationId = station,
                WindowStart = chunk.Start,
                WindowEnd = chunk.End,
                Source = url,
                FetchedAt = SeriesEnd,
                Readings = readings.Where(r => r.Hour >= chunk.Start && r.Hour < chunk.End).ToList(),
            }, quality).Daily).ToList();
    }

    private static async Task<Snapshot> SnapshotAsync(IPipelineStore store)
    {
        var window = DayWindows.ForDays(From, To, TimeZoneInfo.Utc);
        var daily = new List<StoredDailyAverage>();
        var hourly = new List<StoredHourlyAverage>();
        var raw = new List<RawReadingsFetched>();
        foreach (var station in Stations)
        {
            daily.AddRange(await store.GetDailyAveragesAsync(station, From, To, Ct));
            hourly.AddRange(await store.GetHourlyAveragesAsync(station, window.Start, window.End, Ct));
            raw.AddRange(await store.GetRawFetchesAsync(station, window.Start, window.End, Ct));
        }
        return new Snapshot(daily, hourly, raw);
    }

    private sealed record Snapshot(List<StoredDailyAverage> Daily, List<StoredHourlyAverage> Hourly, List<RawReadingsFetched> Raw)
    {
        /// <summary>Every stored value but the time of the fetch, which a second run rightly moves forward.</summary>
        public string Describe() => string.Join('\n',
            Daily.Select(d => $"{d.StationId} {d.Date} {d.HoursCovered} {d.IsComplete} {d.AlgorithmVersion} {d.SourceFetchId} {Stats(d.Quantities)}")
                .Concat(Hourly.Select(h => $"{h.StationId} {h.Hour:O} {h.AlgorithmVersion} {h.SourceFetchId} {Stats(h.Quantities)}"))
                .Concat(Raw.Select(r => $"{r.StationId} {r.FetchId} {r.WindowStart:O} {r.Readings.Count}")));

        private static string Stats(IReadOnlyDictionary<string, QuantityStats> quantities) =>
            string.Join(';', quantities.OrderBy(q => q.Key, StringComparer.Ordinal).Select(q => $"{q.Key}={q.Value}"));
    }
}
