using System.Reflection;
using Harmattan.Storage;
using System.Diagnostics.Metrics;
using Harmattan.Hosting.Telemetry;
using Harmattan.Loader;
using Harmattan.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Harmattan.Tests.Loader;

/// <summary>The data-age gauge the stale-station alert reads, over a real SQLite file.</summary>
public sealed class StationFreshnessTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"harmattan-freshness-{Guid.NewGuid():N}.db");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_configured_station_with_nothing_stored_is_infinitely_old_once_the_store_was_read_and_not_before()
    {
        using var store = new SqlitePipelineStore($"Data Source={_path}");
        await store.InitializeAsync(Ct);
        await store.UpsertAveragesAsync([Builders.Averages("283164601", new DateOnly(2023, 11, 1))], Ct);
        var time = new FakeTimeProvider(new DateTimeOffset(2023, 11, 2, 3, 0, 0, TimeSpan.Zero));
        await using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = meters.GetRequiredService<IMeterFactory>();
        using var freshness = new StationFreshness(store, time, factory, ["283164601", "283181971"], NullLogger<StationFreshness>.Instance);
        Dictionary<string, double> Ages() => AgesOf(factory);

        Assert.Empty(Ages());

        await freshness.StartAsync(Ct);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Ages().Count < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "the store was not read within 20 seconds");
            await Task.Delay(20, Ct);
        }
        await freshness.StopAsync(Ct);

        var ages = Ages();
        // The newest hour stored is 2023-11-01 23:00, which ended at midnight: three hours before now.
        Assert.Equal(TimeSpan.FromHours(3).TotalSeconds, ages["283164601"]);
        Assert.Equal(double.PositiveInfinity, ages["283181971"]);
    }

    [Fact]
    public async Task A_station_removed_from_the_configuration_gets_no_age_when_a_replay_stores_its_history_again()
    {
        using var store = new SqlitePipelineStore($"Data Source={_path}");
        await store.InitializeAsync(Ct);
        var time = new FakeTimeProvider(new DateTimeOffset(2023, 12, 20, 3, 0, 0, TimeSpan.Zero));
        await using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = meters.GetRequiredService<IMeterFactory>();
        using var freshness = new StationFreshness(store, time, factory, ["283164601"], NullLogger<StationFreshness>.Instance);

        freshness.Stored([Builders.Averages("283164601", new DateOnly(2023, 12, 19)), Builders.Averages("283181971", new DateOnly(2023, 11, 1))]);

        var ages = AgesOf(factory);
        Assert.Equal(["283164601"], ages.Keys);
        Assert.Equal(TimeSpan.FromHours(3).TotalSeconds, ages["283164601"]);
    }

    [Fact]
    public async Task An_hour_stored_that_begins_after_the_loaders_clock_is_a_negative_age_not_a_fresh_one()
    {
        using var store = new SqlitePipelineStore($"Data Source={_path}");
        await store.InitializeAsync(Ct);
        // At 12:20 an hour that began at 12:00 is in progress, and one that begins at 13:00 is forty minutes ahead.
        var time = new FakeTimeProvider(new DateTimeOffset(2023, 12, 20, 12, 20, 0, TimeSpan.Zero));
        await using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = meters.GetRequiredService<IMeterFactory>();
        using var freshness = new StationFreshness(store, time, factory, ["283164601", "283181971"], NullLogger<StationFreshness>.Instance);

        freshness.Stored([Builders.Averages("283164601", new DateOnly(2023, 12, 20), hoursCovered: 13),
            Builders.Averages("283181971", new DateOnly(2023, 12, 20), hoursCovered: 14)]);

        var ages = AgesOf(factory);
        Assert.Equal(0, ages["283164601"]);
        Assert.Equal(-TimeSpan.FromMinutes(40).TotalSeconds, ages["283181971"]);

        // Ten minutes before it begins, the clocks are within what they may differ by: in progress, as status says.
        time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(0, AgesOf(factory)["283181971"]);
    }

    [Fact]
    public async Task A_store_it_cannot_read_is_a_warning_naming_the_reason_once_not_every_minute()
    {
        var folder = Directory.CreateTempSubdirectory("harmattan-freshness-").FullName;
        try
        {
            // A folder as the store's file: every read fails with the same reason. The proxy only counts the reads.
            using var sqlite = new SqlitePipelineStore($"Data Source={folder}");
            var store = DispatchProxy.Create<IPipelineStore, FailingForOneStation>();
            var reads = (FailingForOneStation)(object)store;
            reads.Inner = sqlite;
            var time = new FakeTimeProvider(new DateTimeOffset(2023, 11, 2, 3, 0, 0, TimeSpan.Zero));
            await using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
            var logs = new LogCapture();
            using var loggers = LoggerFactory.Create(builder => builder.AddProvider(logs));
            using var freshness = new StationFreshness(store, time, meters.GetRequiredService<IMeterFactory>(), ["283164601"],
                loggers.CreateLogger<StationFreshness>());

            await freshness.StartAsync(Ct);
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!logs.Entries.Any(e => e.Level == LogLevel.Warning))
            {
                Assert.True(DateTime.UtcNow < deadline, "no warning within 20 seconds");
                await Task.Delay(20, Ct);
            }
            for (var minute = 1; minute <= 3; minute++)
            {
                time.Advance(StationFreshness.RefreshInterval);
                while (reads.Reads < minute + 1)
                {
                    Assert.True(DateTime.UtcNow < deadline, "the store was not read again within 20 seconds");
                    await Task.Delay(20, Ct);
                }
            }
            await freshness.StopAsync(Ct);

            var warning = Assert.Single(logs.Entries, e => e.Level == LogLevel.Warning);
            Assert.StartsWith("Could not read the newest hour of station 283164601, so its data age is not reported: ", warning.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task One_station_it_cannot_read_beside_others_it_can_is_one_warning_not_one_a_minute()
    {
        using var sqlite = new SqlitePipelineStore($"Data Source={_path}");
        await sqlite.InitializeAsync(Ct);
        var store = DispatchProxy.Create<IPipelineStore, FailingForOneStation>();
        ((FailingForOneStation)(object)store).Inner = sqlite;
        var time = new FakeTimeProvider(new DateTimeOffset(2023, 11, 2, 3, 0, 0, TimeSpan.Zero));
        await using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var logs = new LogCapture();
        using var loggers = LoggerFactory.Create(builder => builder.AddProvider(logs));
        using var freshness = new StationFreshness(store, time, meters.GetRequiredService<IMeterFactory>(),
            ["283164601", FailingForOneStation.Station], loggers.CreateLogger<StationFreshness>());

        await freshness.StartAsync(Ct);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (((FailingForOneStation)(object)store).Reads < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "the store was not read within 20 seconds");
            await Task.Delay(20, Ct);
        }
        for (var minute = 1; minute <= 3; minute++)
        {
            time.Advance(StationFreshness.RefreshInterval);
            while (((FailingForOneStation)(object)store).Reads < 2 * (minute + 1))
            {
                Assert.True(DateTime.UtcNow < deadline, "the store was not read again within 20 seconds");
                await Task.Delay(20, Ct);
            }
        }
        await freshness.StopAsync(Ct);

        var warning = Assert.Single(logs.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains($"station {FailingForOneStation.Station}, so its data age is not reported: its row cannot be read", warning.Message);
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains("read from the store again", StringComparison.Ordinal));
    }

    /// <summary>A store whose reads of one station's activity fail; it counts every read.</summary>
    public class FailingForOneStation : DispatchProxy
    {
        public const string Station = "283181971";
        public IPipelineStore Inner { get; set; } = null!;
        private int _reads;
        public int Reads => Volatile.Read(ref _reads);

        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            if (method!.Name != nameof(IPipelineStore.GetStationActivityAsync))
                return method.Invoke(Inner, args);
            try
            {
                return (string)args![0]! == Station
                    ? Task.FromException<StationActivity>(new InvalidOperationException("its row cannot be read"))
                    : method.Invoke(Inner, args);
            }
            finally
            {
                Interlocked.Increment(ref _reads);
            }
        }
    }

    public void Dispose()
    {
        TemporarySqliteDatabase.Delete(_path);
    }

    /// <summary>The gauge of this test's meters only: tests running beside it publish the same instrument.</summary>
    private static Dictionary<string, double> AgesOf(IMeterFactory factory)
    {
        var ages = new Dictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == factory && instrument.Meter.Name == HarmattanTelemetry.Name
                && instrument.Name == HarmattanTelemetry.StationDataAge)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) => ages[(string)tags[0].Value!] = value);
        listener.Start();
        listener.RecordObservableInstruments();
        return ages;
    }
}
