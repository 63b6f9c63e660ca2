using Harmattan.Contracts;
using Harmattan.Extractor;
using Harmattan.Extractor.Scheduling;
using Harmattan.Stations;
using Harmattan.Storage;
using Harmattan.Storage.Sqlite;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Harmattan.Tests.Scheduling;

/// <summary>
/// The in-process schedule on a fake clock, sending to the MassTransit test harness (whose Start also starts the
/// hosted schedule), with a real SQLite store.
/// </summary>
public sealed class FetchScheduleServiceTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 6, 10, 12, 59, 0, TimeSpan.Zero);
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"harmattan-schedule-{Guid.NewGuid():N}.db");
    private readonly FakeTimeProvider _time = new(Start);
    private readonly LogCapture _logs = new();
    private ServiceProvider? _services;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly StationConfig[] Stations =
    [
        new() { Id = "283164601", TimeZone = "UTC" },
        new() { Id = "station-b", TimeZone = "Asia/Tokyo" },
    ];

    [Fact]
    public async Task The_schedule_runs_at_the_cron_time_warns_about_gaps_beyond_the_lookback_and_skips_missed_hours()
    {
        var store = new SqlitePipelineStore($"Data Source={_path}");
        await store.InitializeAsync(Ct);
        await store.ArchiveRawFetchesAsync(
        [
            Fetch("283164601", fetchedAt: new DateTimeOffset(2026, 6, 10, 12, 5, 0, TimeSpan.Zero)),
            Fetch("station-b", fetchedAt: new DateTimeOffset(2026, 6, 1, 10, 0, 0, TimeSpan.Zero)),
            // This run's own fetch, archived before the run looks for gaps (a fast pipeline): it fills none of them.
            Fetch("station-b", fetchedAt: Start.AddMinutes(7)),
            // History backfilled during the outage is fetched recently but does not close the gap.
            Fetch("station-b", fetchedAt: new DateTimeOffset(2026, 6, 10, 11, 0, 0, TimeSpan.Zero)) with
            {
                WindowStart = new DateTimeOffset(2023, 1, 1, 0, 0, 0, TimeSpan.Zero),
                WindowEnd = new DateTimeOffset(2023, 1, 8, 0, 0, 0, TimeSpan.Zero),
            },
        ], Ct);
        var harness = await StartAsync(store);
        var schedule = _services!.GetServices<IHostedService>().OfType<FetchScheduleService>().Single();
        await WaitForLogAsync("Fetch schedule 5 * * * * (UTC)");

        _time.Advance(TimeSpan.FromMinutes(6));
        var first = await SentAsync(harness, 2);

        var expected = FetchSchedule.Plan(Start.AddMinutes(6), Stations, lookbackDays: 2);
        Assert.Equal(expected.Select(p => p.MessageId), first.Select(s => s.Context.MessageId!.Value));
        Assert.Equal(expected.Select(p => p.Command), first.Select(s => s.Context.Message));
        var warnings = _logs.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message).ToList();
        var gap = Assert.Single(warnings);
        Assert.StartsWith("Station station-b was fetched up to 2026-06-01T10:00Z: 8 day(s) from 2026-06-01 to 2026-06-08", gap);
        Assert.EndsWith("Fill them with: harmattan backfill --station station-b --from 2026-06-01 --to 2026-06-08", gap);

        // Three days asleep: one run when the process wakes, not one per missed hour.
        _time.Advance(TimeSpan.FromDays(3));
        var all = await SentAsync(harness, 4);
        await Task.Delay(300, Ct);
        Assert.Equal(4, harness.Sent.Select<FetchStationWindow>(Ct).Count());
        var woke = FetchSchedule.Plan(Start.AddMinutes(6).AddDays(3), Stations, lookbackDays: 2);
        Assert.Equal(woke.Select(p => p.MessageId), all.Skip(2).Select(s => s.Context.MessageId!.Value));
        Assert.Contains(_logs.Entries, e => e.Level == LogLevel.Warning
            && e.Message.EndsWith(": harmattan backfill --station 283164601 --from 2026-06-10 --to 2026-06-11", StringComparison.Ordinal));

        await schedule.StopAsync(Ct);
        store.Dispose();
    }

    [Fact]
    public async Task A_store_upgraded_by_a_newer_version_is_not_read_for_gaps_and_the_schedule_still_sends()
    {
        var store = new SqlitePipelineStore($"Data Source={_path}");
        await store.InitializeAsync(Ct);
        await store.ArchiveRawFetchesAsync([Fetch("station-b", fetchedAt: new DateTimeOffset(2026, 6, 1, 10, 0, 0, TimeSpan.Zero))], Ct);
        var harness = await StartAsync(store);
        var schedule = _services!.GetServices<IHostedService>().OfType<FetchScheduleService>().Single();
        await WaitForLogAsync("Fetch schedule 5 * * * * (UTC)");

        // Upgraded after the extractor started, as in a rolling upgrade.
        await NewerStoreFile.MarkAsync(_path, Ct);
        _time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(2, (await SentAsync(harness, 2)).Count);
        await WaitForLogAsync("was written by a newer version");

        var refusal = Assert.Single(_logs.Entries, e => e.Level >= LogLevel.Warning);
        Assert.Equal(LogLevel.Error, refusal.Level);
        Assert.Equal($"Gaps beyond the 2-day lookback are not detected: {NewerStoreFile.Refusal(_path)}. The scheduled fetches are sent as always",
            refusal.Message);
        await schedule.StopAsync(Ct);
        store.Dispose();
    }

    [Fact]
    public async Task Without_a_store_the_schedule_still_sends_and_says_gaps_are_not_detected()
    {
        var harness = await StartAsync(store: null);
        var schedule = _services!.GetServices<IHostedService>().OfType<FetchScheduleService>().Single();
        await WaitForLogAsync("Fetch schedule 5 * * * * (UTC)");

        _time.Advance(TimeSpan.FromMinutes(6));
        var sent = await SentAsync(harness, 2);

        Assert.Equal(2, sent.Count);
        Assert.Contains(_logs.Entries, e => e.Level == LogLevel.Warning && e.Message.StartsWith("No store in this process", StringComparison.Ordinal));
        await schedule.StopAsync(Ct);
    }

    [Fact]
    public async Task A_store_without_a_fetch_of_any_station_says_gaps_cannot_be_told_and_the_schedule_still_sends()
    {
        // A new store, or not the services' (a misspelt MongoDB database reads as an empty one).
        var store = new SqlitePipelineStore($"Data Source={_path}");
        await store.InitializeAsync(Ct);
        var harness = await StartAsync(store);
        var schedule = _services!.GetServices<IHostedService>().OfType<FetchScheduleService>().Single();
        await WaitForLogAsync("Fetch schedule 5 * * * * (UTC)");

        _time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(2, (await SentAsync(harness, 2)).Count);
        await WaitForLogAsync("holds no fetch");

        var warning = Assert.Single(_logs.Entries, e => e.Level >= LogLevel.Warning);
        Assert.Equal($"{store.Location} holds no fetch of any configured station made before this run, as a new store does: days missed before the 2-day lookback " +
            "cannot be told. If the services have fetched before, check that this is the store they write", warning.Message);

        // Once one station has been fetched, the other is a station not fetched yet: nothing to say.
        await store.ArchiveRawFetchesAsync([Fetch("283164601", fetchedAt: Start.AddMinutes(7))], Ct);
        _time.Advance(TimeSpan.FromHours(1));
        await SentAsync(harness, 4);
        await Task.Delay(300, Ct);
        Assert.Single(_logs.Entries, e => e.Level >= LogLevel.Warning);
        await schedule.StopAsync(Ct);
        store.Dispose();
    }

    [Fact]
    public async Task With_run_at_start_the_schedule_fetches_once_at_start_then_at_the_cron_time()
    {
        var harness = await StartAsync(store: null, runAtStart: true);
        var schedule = _services!.GetServices<IHostedService>().OfType<FetchScheduleService>().Single();

        var atStart = await SentAsync(harness, 2);
        var expected = FetchSchedule.Plan(Start, Stations, lookbackDays: 2);
        Assert.Equal(expected.Select(p => p.MessageId), atStart.Select(s => s.Context.MessageId!.Value));
        Assert.Equal(expected.Select(p => p.Command), atStart.Select(s => s.Context.Message));

        await WaitForLogAsync("Fetch schedule 5 * * * * (UTC)");
        _time.Advance(TimeSpan.FromMinutes(6));
        var all = await SentAsync(harness, 4);
        var onTime = FetchSchedule.Plan(Start.AddMinutes(6), Stations, lookbackDays: 2);
        Assert.Equal(onTime.Select(p => p.MessageId), all.Skip(2).Select(s => s.Context.MessageId!.Value));
        await schedule.StopAsync(Ct);
    }

    [Fact]
    public async Task A_clock_set_back_while_the_schedule_sleeps_is_read_again_and_the_runs_fetch_the_real_days()
    {
        // The host's clock runs two days ahead when the extractor starts (a bad hardware clock); NTP sets it right after
        // the first run. Timers keep their own time, as the system's monotonic ones do.
        var clock = new WallClock(_time) { Ahead = TimeSpan.FromDays(2) };
        var harness = await StartAsync(store: null, wallClock: clock);
        await WaitForLogAsync("Fetch schedule 5 * * * * (UTC)");
        _time.Advance(TimeSpan.FromMinutes(6));
        var ahead = await SentAsync(harness, 2);
        Assert.Equal(FetchSchedule.Plan(Start.AddMinutes(6).AddDays(2), Stations, lookbackDays: 2).Select(p => p.Command),
            ahead.Select(s => s.Context.Message));

        clock.Ahead = TimeSpan.Zero;
        _time.Advance(TimeSpan.FromHours(1));
        await Task.Delay(300, Ct);
        _time.Advance(TimeSpan.FromHours(1));
        var all = await SentAsync(harness, 4);

        // Not the future days of the instant it went to sleep for, and not two days without a fetch: the next hour.
        Assert.Equal(FetchSchedule.Plan(Start.AddMinutes(6).AddHours(2), Stations, lookbackDays: 2).Select(p => p.Command),
            all.Skip(2).Select(s => s.Context.Message));
    }

    /// <summary>A wall clock that can be ahead of the fake one (and set back), whose timers run on the fake's time.</summary>
    private sealed class WallClock(FakeTimeProvider timers) : TimeProvider
    {
        public TimeSpan Ahead { get; set; }
        public override DateTimeOffset GetUtcNow() => timers.GetUtcNow() + Ahead;
        public override long GetTimestamp() => timers.GetTimestamp();
        public override long TimestampFrequency => timers.TimestampFrequency;
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            timers.CreateTimer(callback, state, dueTime, period);
    }

    private async Task<ITestHarness> StartAsync(IPipelineStore? store, bool runAtStart = false, TimeProvider? wallClock = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Stations:0:Id"] = Stations[0].Id,
            ["Stations:0:TimeZone"] = Stations[0].TimeZone,
            ["Stations:1:Id"] = Stations[1].Id,
            ["Stations:1:TimeZone"] = Stations[1].TimeZone,
            ["Schedule:RunAtStart"] = runAtStart ? "true" : null,
        }).Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton(wallClock ?? _time)
            .AddLogging(logging => logging.AddProvider(_logs));
        if (store is not null)
            services.AddSingleton(store);
        services.AddStations(configuration);
        services.AddFetchSchedule(configuration);
        services.AddHarmattanTestHarness();
        _services = services.BuildServiceProvider();
        var harness = _services.GetRequiredService<ITestHarness>();
        await harness.Start();
        return harness;
    }

    private static async Task<List<ISentMessage<FetchStationWindow>>> SentAsync(ITestHarness harness, int count)
    {
        var sent = new List<ISentMessage<FetchStationWindow>>();
        await foreach (var message in harness.Sent.SelectAsync<FetchStationWindow>(Ct))
        {
            sent.Add(message);
            if (sent.Count == count)
                break;
        }
        return sent;
    }

    private async Task WaitForLogAsync(string text)
    {
        for (var i = 0; i < 200 && !_logs.Entries.Any(e => e.Message.Contains(text, StringComparison.Ordinal)); i++)
            await Task.Delay(20, Ct);
        Assert.Contains(_logs.Entries, e => e.Message.Contains(text, StringComparison.Ordinal));
        // The service logs just before it starts waiting on the clock; let it get there.
        await Task.Delay(200, Ct);
    }

    private static RawReadingsFetched Fetch(string stationId, DateTimeOffset fetchedAt) => new()
    {
        FetchId = Guid.NewGuid(),
        StationId = stationId,
        WindowStart = fetchedAt.Date.AddDays(-1),
        WindowEnd = fetchedAt.Date.AddDays(1),
        TimeZone = "UTC",
        Source = "test",
        FetchedAt = fetchedAt,
        Readings = [],
    };

    public async ValueTask DisposeAsync()
    {
        if (_services is not null)
            await _services.DisposeAsync();
        TemporarySqliteDatabase.Delete(_path);
    }
}
