using Harmattan.Stations;
using System.Text;
using Harmattan.AirQinoSimulator;
using Harmattan.Cli.Export;
using Harmattan.Contracts;
using Harmattan.Extractor;
using Harmattan.Hosting;
using Harmattan.Loader;
using Harmattan.Storage;
using Harmattan.Storage.Archive;
using Harmattan.Transformer;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Harmattan.Tests.Pipeline;

/// <summary>
/// The real pipeline (extractor, transformer, loader on the in-memory bus, the simulator over HTTP) in simulated time:
/// eight days of the schedule's runs with the loader's daily prune, then the pruned archive replayed through the
/// transformer and loader into a store that never saw the runs. Its exports are those of the pipeline's store.
/// </summary>
public sealed class ArchivePruneReplayTests : IAsyncLifetime
{
    private static readonly string[] Stations = ["283164601", "283181971"];
    private static readonly DateTimeOffset Start = new(2025, 3, 20, 0, 5, 0, TimeSpan.Zero);
    private const int KeepAllDays = 2;
    private const int Days = 8;
    private static readonly TimeSpan Every = TimeSpan.FromHours(3);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly string _pipelinePath = Path.Combine(Path.GetTempPath(), $"harmattan-prune-pipeline-{Guid.NewGuid():N}.db");
    private readonly string _replayPath = Path.Combine(Path.GetTempPath(), $"harmattan-prune-replay-{Guid.NewGuid():N}.db");
    private AirQinoSimulatorHost? _simulator;
    private ServiceProvider? _pipeline;
    private ServiceProvider? _replay;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _simulator = await AirQinoSimulatorHost.StartAsync(
            new SimulatorOptions { StationIds = Stations, Days = 30, TimeProvider = _time }, Ct);
        _pipeline = await StartAsync(_pipelinePath, (services, configuration) => services.AddExtractor(configuration), bus =>
        {
            bus.AddExtractorConsumers();
            bus.AddTransformerConsumers();
            bus.AddLoaderConsumers();
        });
        _replay = await StartAsync(_replayPath, (_, _) => { }, bus =>
        {
            bus.AddTransformerConsumers();
            bus.AddLoaderConsumers();
        });
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var provider in new[] { _pipeline, _replay })
            if (provider is not null)
                await provider.DisposeAsync();
        if (_simulator is not null)
            await _simulator.DisposeAsync();
        TemporarySqliteDatabase.Delete(_pipelinePath, _replayPath);
    }

    [Fact]
    public async Task Replaying_the_pruned_archive_gives_the_exports_of_the_pipeline()
    {
        var store = _pipeline!.GetRequiredService<IPipelineStore>();
        var bus = _pipeline!.GetRequiredService<ITestHarness>().Bus;
        var runs = new List<DateTimeOffset>();
        while (_time.GetUtcNow() < Start.AddDays(Days))
        {
            var now = _time.GetUtcNow();
            foreach (var station in Stations)
            {
                var window = DayWindows.LastDays(now, 2, TimeZoneInfo.Utc);
                await bus.Publish(new FetchStationWindow
                {
                    StationId = station, WindowStart = window.Start, WindowEnd = window.End, RequestedBy = "schedule",
                }, Ct);
            }
            await WaitAsync(async ct =>
            {
                foreach (var station in Stations)
                {
                    var today = DayWindows.LocalDate(now, TimeZoneInfo.Utc);
                    var days = await store.GetDailyAveragesAsync(station, today.AddDays(-1), today, ct);
                    if (days.Count(d => d.SourceFetchedAt == now) < 2
                        || (await store.GetStationActivityAsync(station, ct)).LastFetchedAt != now)
                        return false;
                }
                return true;
            });
            runs.Add(now);
            _time.Advance(Every);
            if (_time.GetUtcNow().Hour == 3)
                await ArchivePruner.PruneAsync(store, _time.GetUtcNow(), KeepAllDays, dryRun: false, Ct);
        }
        await _pipeline!.GetRequiredService<ITestHarness>().InactivityTask;
        var end = _time.GetUtcNow();
        var final = await ArchivePruner.PruneAsync(store, end, KeepAllDays, dryRun: false, Ct);

        var archived = new List<RawReadingsFetched>();
        foreach (var station in Stations)
        {
            var fetches = await store.GetRawFetchesAsync(station, Start.AddDays(-2), end, Ct);
            var young = fetches.Count(f => f.FetchedAt >= end.AddDays(-KeepAllDays));
            // Every fetch of the keep-all window is kept, one per run; before it, one per station-day at most.
            Assert.Equal(runs.Count(t => t >= end.AddDays(-KeepAllDays)), young);
            Assert.InRange(fetches.Count - young, Days - KeepAllDays, Days - KeepAllDays + 1);
            archived.AddRange(ArchiveRetention.NewestPerWindow(fetches, FetchTimeOrder.At(end)));
        }
        Assert.True(runs.Count * Stations.Length > final.FetchesKept * 2, $"{runs.Count} runs, {final.FetchesKept} fetches kept");

        var replayStore = _replay!.GetRequiredService<IPipelineStore>();
        var replayBus = _replay!.GetRequiredService<ITestHarness>().Bus;
        foreach (var fetch in archived)
            await replayBus.Publish(fetch, context => context.Headers.Set(HarmattanHeaders.Replay, true), Ct);
        var expected = new Dictionary<string, string>();
        foreach (var station in Stations)
            expected[station] = await ExportAsync(store, station);
        try
        {
            await WaitAsync(async ct =>
            {
                foreach (var station in Stations)
                    if (await ExportAsync(replayStore, station) != expected[station])
                        return false;
                return true;
            });
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            // The assertion below shows the first day that differs.
        }
        foreach (var station in Stations)
        {
            Assert.Equal(expected[station].Split('\n'), (await ExportAsync(replayStore, station)).Split('\n'));
            Assert.Equal(Days + 2, expected[station].Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        }
    }

    private async Task<ServiceProvider> StartAsync(string path, Action<IServiceCollection, IConfiguration> addServices,
        Action<IBusRegistrationConfigurator> addConsumers)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AirQino:BaseUrl"] = _simulator!.BaseUrl,
            ["Storage:Provider"] = "Sqlite",
            ["ConnectionStrings:Sqlite"] = $"Data Source={path}",
            ["Loader:BatchTimeLimit"] = "00:00:00.020",
            // The test drives the runs and the prunes itself; the harness starts hosted services, which would run too.
            ["Schedule:Enabled"] = "false",
            ["Archive:PruneEnabled"] = "false",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton<TimeProvider>(_time);
        services.AddLogging();
        addServices(services, configuration);
        services.AddTransformer(configuration);
        services.AddLoader(configuration);
        services.AddHarmattanTestHarness(addConsumers);
        var provider = services.BuildServiceProvider(validateScopes: true);
        await provider.GetRequiredService<IPipelineStore>().InitializeAsync(Ct);
        await provider.GetRequiredService<ITestHarness>().Start();
        return provider;
    }

    /// <summary>Polls in real time (the simulated clock stands still meanwhile) until the condition holds, a minute at most.</summary>
    private static async Task WaitAsync(Func<CancellationToken, Task<bool>> done)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (!await done(timeout.Token))
            await Task.Delay(20, timeout.Token);
    }

    private static async Task<string> ExportAsync(IPipelineStore store, string stationId)
    {
        var days = await store.GetDailyAveragesAsync(stationId, DateOnly.MinValue, DateOnly.MaxValue, Ct);
        var text = new StringBuilder();
        await using (var writer = new StringWriter(text))
            await DailyAveragesCsv.WriteAsync(writer, days, DateTimeOffset.UtcNow, Ct);
        return text.ToString();
    }
}
