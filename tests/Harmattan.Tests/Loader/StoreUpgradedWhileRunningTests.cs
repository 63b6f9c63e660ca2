using Harmattan.Contracts;
using Harmattan.Hosting;
using Harmattan.Loader;
using Harmattan.Storage;
using Harmattan.Storage.MongoDb;
using Harmattan.Storage.Sqlite;
using Harmattan.Tests.Storage;
using MassTransit;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Harmattan.Tests.Loader;

/// <summary>
/// A store upgraded by a newer version of Harmattan while this loader runs: the store refuses the loader's next write,
/// and the loader stops and leaves the messages it has not stored in their queues.
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
    public async Task A_write_to_a_SQLite_store_a_newer_version_upgraded_is_refused_and_stores_nothing()
    {
        var store = new SqlitePipelineStore($"Data Source={_path}");
        await store.InitializeAsync(Ct);

        await AssertWritesRefusedOnNewerStoreAsync(store, () => NewerStoreFile.MarkAsync(_path, Ct), NewerStoreFile.Refusal(_path));
    }

    [Fact]
    public async Task Mongo_a_write_to_a_MongoDB_store_a_newer_version_upgraded_is_refused_and_stores_nothing()
    {
        var connectionString = await MongoTestServer.RequireAsync();
        _mongo = MongoTestServer.CreateClient(connectionString);
        _mongoDatabase = MongoTestServer.FreshDatabaseName();
        var store = new MongoPipelineStore(_mongo, _mongoDatabase);
        await store.InitializeAsync(Ct);
        var newer = MongoPipelineStore.SchemaVersion + 1;

        await AssertWritesRefusedOnNewerStoreAsync(store,
            () => _mongo.GetDatabase(_mongoDatabase).GetCollection<BsonDocument>(MongoSchema.StoreInfo).UpdateOneAsync(
                MongoCommands.LayoutDocument, MongoCommands.RecordLayoutVersion(newer), cancellationToken: Ct),
            $"database {_mongoDatabase} of {store.Location} was written by a newer version of Harmattan (store schema {newer}; " +
            $"this version knows up to {MongoPipelineStore.SchemaVersion}) and was left as it is: run the version that wrote it, " +
            "or a later one, or restore a dump taken before the upgrade with mongorestore");
    }

    [Fact]
    public async Task A_SQLite_write_waiting_for_an_upgrade_to_commit_is_refused_once_it_has()
    {
        var store = new SqlitePipelineStore($"Data Source={_path}");
        await store.InitializeAsync(Ct);
        await using var upgrade = new SqliteConnection($"Data Source={_path};Pooling=False");
        await upgrade.OpenAsync(Ct);
        await using (var begin = upgrade.CreateCommand())
        {
            begin.CommandText = $"BEGIN IMMEDIATE; PRAGMA user_version = {NewerStoreFile.Schema};";
            await begin.ExecuteNonQueryAsync(Ct);
        }

        // The write reads the schema under the file's write lock, which the upgrade holds: it cannot have read the old one.
        var write = Task.Run(() => store.UpsertAveragesAsync([Averages(Day)], Ct), Ct);
        await Task.Delay(TimeSpan.FromMilliseconds(300), Ct);
        Assert.False(write.IsCompleted, "the write did not wait for the upgrade's write lock");
        await using (var commit = upgrade.CreateCommand())
        {
            commit.CommandText = "COMMIT;";
            await commit.ExecuteNonQueryAsync(Ct);
        }

        var refused = await Assert.ThrowsAsync<NewerStoreException>(() => write);
        Assert.Equal(NewerStoreFile.Refusal(_path), refused.Message);
        Assert.Empty(await store.GetDailyAveragesAsync(StationId, Day, Day, Ct));
    }

    [Fact]
    public void The_first_refusal_stops_the_loader_with_one_error_line_and_later_ones_add_nothing()
    {
        var lifetime = new StopRecordingLifetime();
        using var loggers = LoggerFactory.Create(logging => logging.AddProvider(_logs));
        var watch = new StoreSchemaWatch(loggers.CreateLogger<StoreSchemaWatch>(), lifetime);
        var first = new NewerStoreException(_path, NewerStoreFile.Schema, SqlitePipelineStore.SchemaVersion, "a backup");

        watch.Refuse(first);
        watch.Refuse(new NewerStoreException(_path, NewerStoreFile.Schema + 1, SqlitePipelineStore.SchemaVersion, "a backup"));

        Assert.True(lifetime.StopRequested);
        Assert.Same(first, watch.Refusal);
        Assert.Equal([$"The loader stops: {first.Message}. The messages it has not stored stay in their queues for a loader of that version"],
            _logs.Entries.Where(e => e.Level >= LogLevel.Error).Select(e => e.Message));
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

        // At once: no check of the schema made before the upgrade lets the next write through.
        await NewerStoreFile.MarkAsync(_path, Ct);
        await bus.Publish(Averages(Day.AddDays(1)), Ct);
        var stopped = host.WaitForShutdownAsync(Ct);
        Assert.True(await Task.WhenAny(stopped, Task.Delay(TimeSpan.FromSeconds(30), Ct)) == stopped,
            "the loader did not stop within 30 s of a message arriving at the upgraded store");
        await stopped;

        var refusal = NewerStoreFile.Refusal(_path);
        Assert.Equal(refusal, host.Services.GetRequiredService<StoreSchemaWatch>().Refusal?.Message);
        var errors = _logs.Entries.Where(e => e.Level >= LogLevel.Error).Select(e => e.Message).ToList();
        Assert.Equal([$"The loader stops: {refusal}. The messages it has not stored stay in their queues for a loader of that version"],
            errors.Where(e => !e.StartsWith("T-FAULT ", StringComparison.Ordinal) && !e.StartsWith("R-FAULT ", StringComparison.Ordinal)));
        // MassTransit's own lines: the consumer whose write the store refused, and the message handed back, once each,
        // not once per redelivery to this stopping loader.
        Assert.Single(errors, e => e.StartsWith("R-FAULT ", StringComparison.Ordinal));
        Assert.Single(errors, e => e.StartsWith("T-FAULT ", StringComparison.Ordinal));
        Assert.Empty(await store.GetDailyAveragesAsync(StationId, Day.AddDays(1), Day.AddDays(1), Ct));
        var queues = await MessagesByQueueAsync(rabbit);
        Assert.Equal(1, queues[QueueNames.StoreAverages]);
        Assert.DoesNotContain(queues, q => q.Key.EndsWith("_error", StringComparison.Ordinal) && q.Value > 0);
    }

    private static async Task AssertWritesRefusedOnNewerStoreAsync(IPipelineStore store, Func<Task> upgradeStore, string refusal)
    {
        var nextDay = Day.AddDays(1);
        await store.UpsertAveragesAsync([Averages(Day)], Ct);
        await store.ArchiveRawFetchesAsync([Builders.RawFetch(StationId, Builders.Midnight(Day))], Ct);

        await upgradeStore();

        var averages = await Assert.ThrowsAsync<NewerStoreException>(() => store.UpsertAveragesAsync([Averages(nextDay)], Ct));
        var fetch = await Assert.ThrowsAsync<NewerStoreException>(
            () => store.ArchiveRawFetchesAsync([Builders.RawFetch(StationId, Builders.Midnight(nextDay))], Ct));
        var archived = await store.GetArchivedFetchesAsync(StationId, Ct);
        var delete = await Assert.ThrowsAsync<NewerStoreException>(() => store.DeleteRawFetchesAsync([archived[0]], Ct));
        Assert.Equal(refusal, averages.Message);
        Assert.Equal(refusal, fetch.Message);
        Assert.Equal(refusal, delete.Message);
        Assert.Empty(await store.GetDailyAveragesAsync(StationId, nextDay, nextDay, Ct));
        Assert.Single(await store.GetRawFetchesAsync(StationId, Builders.Midnight(Day), Builders.Midnight(nextDay.AddDays(1)), Ct));
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
