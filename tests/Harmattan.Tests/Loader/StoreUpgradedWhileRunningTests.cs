using Harmattan.Contracts;
using Harmattan.Hosting;
using Harmattan.Loader;
using Harmattan.Storage;
using Harmattan.Storage.MongoDb;
using Harmattan.Storage.Sqlite;
using Harmattan.Tests.Storage;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Harmattan.Tests.Loader;

/// <summary>
/// A store upgraded by a newer version of Harmattan while this loader runs: the loader notices before it writes, stops,
/// and leaves the messages it has not stored in their queues.
/// </summary>
public sealed class StoreUpgradedWhileRunningTests : IAsyncDisposable
{
    private const string StationId = "283164601";
    private static readonly DateOnly Day = new(2023, 6, 1);

    private readonly string _path = Path.Combine(Path.GetTempPath(), $"harmattan-upgraded-{Guid.NewGuid():N}.db");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 6, 10, 12, 0, 0, TimeSpan.Zero));
    private readonly LogCapture _logs = new();
    private IMongoClient? _mongo;
    private string? _mongoDatabase;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_loader_reads_a_SQLite_store_schema_at_most_once_per_interval_and_stops_once_it_is_newer()
    {
        var store = new SqlitePipelineStore($"Data Source={_path}");
        await store.InitializeAsync(Ct);

        await AssertWatchStopsOnNewerStoreAsync(store, () => NewerStoreFile.MarkAsync(_path, Ct), NewerStoreFile.Refusal(_path));
    }

    [Fact]
    public async Task Mongo_the_loader_reads_a_MongoDB_store_schema_at_most_once_per_interval_and_stops_once_it_is_newer()
    {
        var connectionString = await MongoTestServer.RequireAsync();
        _mongo = MongoTestServer.CreateClient(connectionString);
        _mongoDatabase = MongoTestServer.FreshDatabaseName();
        var store = new MongoPipelineStore(_mongo, _mongoDatabase);
        await store.InitializeAsync(Ct);
        var newer = MongoPipelineStore.SchemaVersion + 1;

        await AssertWatchStopsOnNewerStoreAsync(store,
            () => _mongo.GetDatabase(_mongoDatabase).GetCollection<BsonDocument>(MongoSchema.StoreInfo).UpdateOneAsync(
                MongoCommands.LayoutDocument, MongoCommands.RecordLayoutVersion(newer), cancellationToken: Ct),
            $"database {_mongoDatabase} of {store.Location} was written by a newer version of Harmattan (store schema {newer}; " +
            $"this version knows up to {MongoPipelineStore.SchemaVersion}) and was left as it is: run the version that wrote it, " +
            "or a later one, or restore a dump taken before the upgrade with mongorestore");
    }

    [Fact]
    public async Task A_message_arriving_after_a_newer_version_upgraded_the_store_stays_in_its_queue_and_the_loader_stops()
    {
        await using var rabbit = await RabbitMqVirtualHost.CreateAsync();
        using var host = BuildLoaderHost(rabbit);
        await host.StartAsync(Ct);
        var bus = host.Services.GetRequiredService<IBus>();
        var store = host.Services.GetRequiredService<IPipelineStore>();

        await bus.Publish(Averages(Day), Ct);
        await WaitUntilAsync(async () => (await store.GetDailyAveragesAsync(StationId, Day, Day, Ct)).Count == 1, "the first day to be stored");

        await NewerStoreFile.MarkAsync(_path, Ct);
        _time.Advance(StoreSchemaWatch.Interval);
        await bus.Publish(Averages(Day.AddDays(1)), Ct);
        var stopped = host.WaitForShutdownAsync(Ct);
        Assert.True(await Task.WhenAny(stopped, Task.Delay(TimeSpan.FromSeconds(30), Ct)) == stopped,
            "the loader did not stop within 30 s of a message arriving at the upgraded store");
        await stopped;

        var refusal = NewerStoreFile.Refusal(_path);
        Assert.Equal(refusal, host.Services.GetRequiredService<StoreSchemaWatch>().Refusal?.Message);
        var errors = _logs.Entries.Where(e => e.Level >= LogLevel.Error).Select(e => e.Message).ToList();
        Assert.Equal([$"The loader stops: {refusal}. The messages it has not stored stay in their queues for a loader of that version"],
            errors.Where(e => !e.StartsWith("T-FAULT ", StringComparison.Ordinal)));
        // MassTransit's own line for the message handed back: once, not once per redelivery to this stopping loader.
        Assert.Single(errors, e => e.StartsWith("T-FAULT ", StringComparison.Ordinal));
        Assert.Empty(await store.GetDailyAveragesAsync(StationId, Day.AddDays(1), Day.AddDays(1), Ct));
        var queues = await MessagesByQueueAsync(rabbit);
        Assert.Equal(1, queues[QueueNames.StoreAverages]);
        Assert.DoesNotContain(queues, q => q.Key.EndsWith("_error", StringComparison.Ordinal) && q.Value > 0);
    }

    private async Task AssertWatchStopsOnNewerStoreAsync(IPipelineStore store, Func<Task> upgradeStore, string refusal)
    {
        var lifetime = new StopRecordingLifetime();
        using var loggers = LoggerFactory.Create(logging => logging.AddProvider(_logs));
        var watch = new StoreSchemaWatch(store, _time, loggers.CreateLogger<StoreSchemaWatch>(), lifetime);

        Assert.True(await watch.MayWriteAsync(Ct));
        await upgradeStore();
        // Checked less than an interval ago: not read again.
        _time.Advance(StoreSchemaWatch.Interval - TimeSpan.FromSeconds(1));
        Assert.True(await watch.MayWriteAsync(Ct));
        Assert.False(lifetime.StopRequested);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(await watch.MayWriteAsync(Ct));
        Assert.False(await watch.MayWriteAsync(Ct));

        Assert.True(lifetime.StopRequested);
        Assert.Equal(refusal, watch.Refusal?.Message);
        Assert.Equal([$"The loader stops: {refusal}. The messages it has not stored stay in their queues for a loader of that version"],
            _logs.Entries.Where(e => e.Level >= LogLevel.Error).Select(e => e.Message));
    }

    private IHost BuildLoaderHost(RabbitMqVirtualHost rabbit)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Sqlite",
            ["ConnectionStrings:Sqlite"] = $"Data Source={_path}",
            ["ConnectionStrings:RabbitMq"] = rabbit.ConnectionString,
            ["Bus:Transport"] = "RabbitMq",
            ["Bus:StopTimeout"] = "00:00:05",
            ["Loader:BatchSize"] = "10",
            ["Loader:BatchTimeLimit"] = "00:00:00.050",
            ["Archive:PruneEnabled"] = "false",
        });
        builder.Logging.AddProvider(_logs);
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddLoader(builder.Configuration);
        builder.Services.AddHarmattanBus(builder.Configuration, bus => bus.AddLoaderConsumers());
        return builder.Build();
    }

    /// <summary>Messages ready or unacknowledged in each queue of the virtual host.</summary>
    private static async Task<Dictionary<string, long>> MessagesByQueueAsync(RabbitMqVirtualHost rabbit)
    {
        var listed = await RabbitMqVirtualHost.RabbitMqCtlAsync("list_queues", "-p", rabbit.Name, "--quiet", "--no-table-headers", "name", "messages");
        return listed.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t'))
            .ToDictionary(columns => columns[0], columns => long.Parse(columns[1].Trim()));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"waited 30 seconds for {what}");
            await Task.Delay(50, Ct);
        }
    }

    private static AveragesComputed Averages(DateOnly day) => Builders.Averages(StationId, day, quantities: Builders.Co(1.0), hours: [3]);

    public async ValueTask DisposeAsync()
    {
        if (_mongo is not null)
        {
            await _mongo.DropDatabaseAsync(_mongoDatabase, CancellationToken.None);
            _mongo.Dispose();
        }
        TemporarySqliteDatabase.Delete(_path);
    }

    private sealed class StopRecordingLifetime : IHostApplicationLifetime
    {
        public bool StopRequested { get; private set; }

        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => StopRequested = true;
    }
}
