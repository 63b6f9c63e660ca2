using Harmattan.Storage;
using Harmattan.Storage.Archive;
using Harmattan.Storage.MongoDb;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using MongoDB.Bson;
using MongoDB.Driver;
using static Harmattan.Tests.Storage.MongoBson;

namespace Harmattan.Tests.Storage;

/// <summary>
/// What the review of the MongoDB adapter asked for: writes that cannot hang, unique keys verified before anything is
/// written, and a stored row without a version told apart from an older one. The tests that need a server run on the
/// one <see cref="MongoTestServer"/> finds and skip with the reason otherwise; those against a silent TCP listener
/// need none.
/// </summary>
public sealed class MongoHardeningTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly string _databaseName = MongoTestServer.FreshDatabaseName();
    private readonly List<IDisposable> _disposables = [];
    private IMongoClient? _client;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DropDatabaseAsync(_databaseName, CancellationToken.None);
            _client.Dispose();
        }
        foreach (var disposable in _disposables)
            disposable.Dispose();
    }

    [Fact]
    public async Task Mongo_a_server_that_never_answers_fails_the_write_within_the_operation_timeout_and_the_loader_is_not_ready()
    {
        var uri = SilentServer();
        using var client = new MongoClient(MongoRegistration.ClientSettings(uri));
        var store = new MongoPipelineStore(client, _databaseName, operationTimeout: TimeSpan.FromSeconds(1));
        var writes = new StoreWriteMonitor(TimeProvider.System);

        var error = await Assert.ThrowsAsync<TimeoutException>(() =>
            writes.TrackAsync(store.UpsertAveragesAsync([StationDay()], Ct)).WaitAsync(TimeSpan.FromMinutes(1), Ct));
        Assert.Contains("Storage:MongoOperationTimeout", error.Message);
        Assert.StartsWith($"MongoDB at {MongoUrl.Create(uri).Server} did not answer", error.Message);

        var check = new PipelineStoreHealthCheck(store, writes);
        var health = await check.CheckHealthAsync(new HealthCheckContext
        {
            Registration = new HealthCheckRegistration("pipeline-store", check, HealthStatus.Unhealthy, null),
        }, Ct);
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Contains("Storage:MongoOperationTimeout", health.Description);
    }

    [Fact]
    public async Task Mongo_a_server_that_never_answers_fails_the_small_reads_and_the_reads_of_averages_within_the_operation_timeout()
    {
        var uri = SilentServer();
        using var client = new MongoClient(MongoRegistration.ClientSettings(uri));
        var store = new MongoPipelineStore(client, _databaseName, operationTimeout: TimeSpan.FromSeconds(1));

        // The hourly trigger's gap check, the loader's data age and the dashboard's list of stations; the dashboard's
        // charts and the CLI's progress (days stored).
        Func<Task>[] reads = [() => store.GetFetchedUntilAsync(StationId, DateTimeOffset.UtcNow, Ct), () => store.GetStationActivityAsync(StationId, Ct),
            () => store.GetStationIdsAsync(Ct), () => store.GetDailyAveragesAsync(StationId, Day, Day, Ct),
            () => store.GetHourlyAveragesAsync(StationId, DayStart, DayStart.AddDays(1), Ct)];
        foreach (var read in reads)
        {
            var error = await Assert.ThrowsAsync<TimeoutException>(() => read().WaitAsync(TimeSpan.FromSeconds(20), Ct));
            Assert.Contains("within 00:00:01 (Storage:MongoOperationTimeout)", error.Message);
            Assert.StartsWith($"MongoDB at {MongoUrl.Create(uri).Server} did not answer", error.Message);
        }
    }

    [Fact]
    public async Task Mongo_a_server_that_never_answers_fails_the_reads_and_deletes_of_the_archive_within_the_operation_timeout()
    {
        var uri = SilentServer();
        using var client = new MongoClient(MongoRegistration.ClientSettings(uri));
        var store = new MongoPipelineStore(client, _databaseName, operationTimeout: TimeSpan.FromSeconds(1));

        // Replay's and prune's reads, and prune's deletes.
        Func<Task>[] calls = [() => store.GetRawFetchesAsync(StationId, DayStart, DayStart.AddDays(1), Ct),
            () => store.GetArchivedStationIdsAsync(Ct), () => store.GetArchivedFetchesAsync(StationId, Ct),
            () => store.DeleteRawFetchesAsync([new ArchivedFetch(Guid.NewGuid(), "283164601", default, default, "UTC", default, 0)], Ct)];
        foreach (var call in calls)
        {
            var error = await Assert.ThrowsAsync<TimeoutException>(() => call().WaitAsync(TimeSpan.FromSeconds(20), Ct));
            Assert.Contains("within 00:00:01 (Storage:MongoOperationTimeout)", error.Message);
            Assert.StartsWith($"MongoDB at {MongoUrl.Create(uri).Server} did not answer", error.Message);
        }
    }

    [Fact]
    public async Task Mongo_a_document_not_as_the_loader_writes_it_is_named_with_its_collection_station_and_day_and_the_fix()
    {
        var uri = await MongoTestServer.RequireAsync();
        _client = MongoTestServer.CreateClient(uri);
        var store = new MongoPipelineStore(_client, _databaseName);
        await store.InitializeAsync(Ct);
        // Written by another tool: a day with its hours covered only.
        await _client.GetDatabase(_databaseName).GetCollection<BsonDocument>(MongoSchema.DailyAverages).InsertOneAsync(new BsonDocument
        {
            { "_id", "by-hand" }, { MongoSchema.StationId, "283164601" }, { MongoSchema.Date, MongoSchema.ToBson(new DateOnly(2023, 11, 1)) },
            { MongoSchema.HoursCovered, 1 },
        }, cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() =>
            store.GetDailyAveragesAsync("283164601", new DateOnly(2023, 11, 1), new DateOnly(2023, 11, 2), Ct));

        Assert.Equal($"{store.Location}: the daily_averages document by-hand of station 283164601 at 2023-11-01T00:00:00Z cannot be read " +
            "(Element 'hours_in_day' not found.), so it is not as the loader writes it (another tool's write, or an edit by hand?): delete it " +
            "with mongosh and fetch that day again (harmattan backfill --refetch)", error.Message);
    }

    [Fact]
    public async Task Mongo_a_replica_set_without_a_primary_in_reach_names_the_set_and_directConnection()
    {
        using var client = new MongoClient(MongoRegistration.ClientSettings("mongodb://127.0.0.1:9/?replicaSet=rs0&serverSelectionTimeoutMS=300"));
        var store = new MongoPipelineStore(client, _databaseName);

        // A read past the ping, which waits for the driver's server selection as the loader's writes do.
        var error = await Assert.ThrowsAsync<TimeoutException>(() => store.RequireKnownSchemaAsync(Ct).WaitAsync(TimeSpan.FromSeconds(20), Ct));

        Assert.StartsWith("MongoDB at 127.0.0.1:9 did not answer a read of store_info: A timeout occurred after ", error.Message);
        Assert.EndsWith(" The URI names replica set rs0: the driver waits for its primary, under the host names the set gives its members; " +
            "from a host that cannot reach those names, connect to one member with directConnection=true instead of replicaSet=.", error.Message);
    }

    [Fact]
    public async Task Mongo_a_replica_set_without_a_primary_in_reach_is_named_also_when_the_operation_limit_comes_first()
    {
        // Storage:MongoOperationTimeout before the driver's serverSelectionTimeoutMS (both 30 s by default: either may end first).
        using var client = new MongoClient(MongoRegistration.ClientSettings("mongodb://127.0.0.1:9/?replicaSet=rs0&serverSelectionTimeoutMS=20000"));
        var store = new MongoPipelineStore(client, _databaseName, operationTimeout: TimeSpan.FromSeconds(1));

        var error = await Assert.ThrowsAsync<TimeoutException>(() => store.RequireKnownSchemaAsync(Ct).WaitAsync(TimeSpan.FromSeconds(15), Ct));

        // Nothing listens on port 9: the driver's last try said why, which its time-out does not.
        Assert.StartsWith("MongoDB at 127.0.0.1:9 did not answer a read of store_info within 00:00:01 (Storage:MongoOperationTimeout; " +
            "the last connection to 127.0.0.1:9 failed: Connection refused): ", error.Message);
        Assert.EndsWith(" The URI names replica set rs0: the driver waits for its primary, under the host names the set gives its members; " +
            "from a host that cannot reach those names, connect to one member with directConnection=true instead of replicaSet=.", error.Message);
    }

    [Fact]
    public async Task Mongo_a_read_of_a_store_whose_every_server_refuses_fails_at_once_naming_why_not_after_the_drivers_wait()
    {
        // The driver's server selection and the operation limit at their defaults, 30 s each.
        using var client = new MongoClient(MongoRegistration.ClientSettings("mongodb://127.0.0.1:9/?replicaSet=rs0"));
        var store = new MongoPipelineStore(client, _databaseName);

        var error = await Assert.ThrowsAsync<StoreNotReadyException>(() => store.PrepareForReadingAsync(Ct).WaitAsync(TimeSpan.FromSeconds(15), Ct));

        Assert.Equal("MongoDB at 127.0.0.1:9 could not be reached (the last connection to 127.0.0.1:9 failed: Connection refused): " +
            "check that it is up, that ConnectionStrings:MongoDb names it, and that a majority of its replica set is reachable. " +
            "The URI names replica set rs0: the driver waits for its primary, under the host names the set gives its members; " +
            "from a host that cannot reach those names, connect to one member with directConnection=true instead of replicaSet=", error.Message);
    }

    [Fact]
    public async Task Mongo_a_server_that_refused_and_is_up_again_is_read_not_refused_for_its_old_failure()
    {
        var connectionString = await MongoTestServer.RequireAsync();
        _client = MongoTestServer.CreateClient(connectionString);
        await new MongoPipelineStore(_client, _databaseName).InitializeAsync(Ct);
        var port = UnansweringMongoServer.FreePort();
        using var client = new MongoClient(MongoRegistration.ClientSettings($"mongodb://127.0.0.1:{port}/?directConnection=true"));
        var store = new MongoPipelineStore(client, _databaseName);
        await Assert.ThrowsAsync<StoreNotReadyException>(() => store.PrepareForReadingAsync(Ct).WaitAsync(TimeSpan.FromSeconds(15), Ct));

        // Up again (a restart): the driver still holds the refused connection as its last word on the server until its
        // next try, which the read waits for.
        using var server = UnansweringMongoServer.InFrontOf(connectionString, port);
        await store.PrepareForReadingAsync(Ct).WaitAsync(TimeSpan.FromSeconds(20), Ct);
    }

    [Fact]
    public async Task Mongo_the_loaders_readiness_on_a_server_that_never_answers_is_unhealthy_within_its_ping_limit_naming_the_host()
    {
        var uri = SilentServer();
        using var client = new MongoClient(MongoRegistration.ClientSettings(uri));
        // Storage:MongoOperationTimeout at its default (30 s): the readiness check must not wait for it.
        var store = new MongoPipelineStore(client, _databaseName);
        var check = new PipelineStoreHealthCheck(store, new StoreWriteMonitor(TimeProvider.System));
        var started = TimeProvider.System.GetTimestamp();

        var health = await check.CheckHealthAsync(new HealthCheckContext
        {
            Registration = new HealthCheckRegistration("pipeline-store", check, HealthStatus.Unhealthy, null),
        }, Ct).WaitAsync(TimeSpan.FromSeconds(20), Ct);

        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Equal($"the pipeline store is not ready: MongoDB at {MongoUrl.Create(uri).Server} did not answer within 3 s, the readiness check's limit",
            health.Description);
        // Within the probes' timeoutSeconds (5 s in deploy/k8s).
        Assert.InRange(TimeProvider.System.GetElapsedTime(started), TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Mongo_the_readiness_of_a_reading_process_creates_nothing_and_needs_the_store_in_the_database()
    {
        var connectionString = await MongoTestServer.RequireAsync();
        _client = MongoTestServer.CreateClient(connectionString);
        var store = new MongoPipelineStore(_client, _databaseName);
        var check = new StoreReadableHealthCheck(store);
        var context = new HealthCheckContext
        {
            Registration = new HealthCheckRegistration("pipeline-store", check, HealthStatus.Unhealthy, null),
        };

        // A database without the store (a misspelt Storage:MongoDatabase, or the loader not started yet).
        var health = await check.CheckHealthAsync(context, Ct);

        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Equal($"the pipeline store is not readable: database {_databaseName} of {store.Location} holds none of the store's " +
            "collections: check Storage__MongoDatabase (default harmattan); the loader creates them when it starts", health.Description);
        Assert.Empty(await (await _client.GetDatabase(_databaseName).ListCollectionNamesAsync(cancellationToken: Ct)).ToListAsync(Ct));

        await store.InitializeAsync(Ct);
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(context, Ct)).Status);
    }

    [Fact]
    public void Mongo_the_unique_keys_are_accepted_only_when_an_index_on_them_is_unique()
    {
        var (collection, index) = MongoUniqueKeys.All[0];
        var keys = MongoUniqueKeys.Keys(index);
        var idIndex = new BsonDocument { { "v", 2 }, { "key", new BsonDocument("_id", 1) }, { "name", "_id_" } };

        Assert.Null(MongoUniqueKeys.Problem(collection, index,
            [idIndex, new BsonDocument { { "v", 2 }, { "key", keys }, { "name", "station_id_1_date_1" }, { "unique", true } }]));

        var missing = MongoUniqueKeys.Problem(collection, index, [idIndex]);
        Assert.Contains("daily_averages", missing);
        Assert.Contains("station_id_1_date_1", missing);
        Assert.Contains("Fix:", missing);

        var notUnique = MongoUniqueKeys.Problem(collection, index,
            [idIndex, new BsonDocument { { "v", 2 }, { "key", keys }, { "name", "by_station_and_day" } }]);
        Assert.Contains("not unique", notUnique);
        Assert.Contains("dropIndex(\"station_id_1_date_1\")", notUnique);
    }

    [Fact]
    public async Task Mongo_duplicates_already_stored_leave_the_store_not_ready_naming_the_collection_the_index_and_the_fix()
    {
        var connectionString = await MongoTestServer.RequireAsync();
        _client = MongoTestServer.CreateClient(connectionString);
        var daily = _client.GetDatabase(_databaseName).GetCollection<BsonDocument>(MongoSchema.DailyAverages);
        var duplicate = new BsonDocument { { MongoSchema.StationId, StationId }, { MongoSchema.Date, MongoSchema.ToBson(Day) } };
        await daily.InsertManyAsync([duplicate.DeepClone().AsBsonDocument, duplicate.DeepClone().AsBsonDocument], cancellationToken: Ct);
        var store = new MongoPipelineStore(_client, _databaseName);

        var error = await Assert.ThrowsAsync<StoreNotReadyException>(() => store.InitializeAsync(Ct));
        Assert.Contains("daily_averages", error.Message);
        Assert.Contains("station_id_1_date_1", error.Message);
        Assert.Contains("Fix:", error.Message);
        await Assert.ThrowsAsync<StoreNotReadyException>(() => store.PingAsync(Ct));
        await Assert.ThrowsAsync<StoreNotReadyException>(() => store.UpsertAveragesAsync([StationDay()], Ct));
        Assert.Equal(2, await daily.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty, cancellationToken: Ct));

        // Once the duplicates are gone, the next readiness check creates the index and the store is ready again.
        await daily.DeleteManyAsync(FilterDefinition<BsonDocument>.Empty, Ct);
        await store.PingAsync(Ct);
        Assert.Equal(new(3, 0), await store.UpsertAveragesAsync([StationDay()], Ct));
    }

    /// <summary>
    /// mongorestore --drop, or a DBA's dropIndex, takes a unique key away while the loader runs: without it an older
    /// replay inserted a second document of the day, and readiness stayed green.
    /// </summary>
    [Fact]
    public async Task Mongo_the_gap_check_s_index_is_built_once_the_store_is_ready()
    {
        _client = MongoTestServer.CreateClient(await MongoTestServer.RequireAsync());
        var store = new MongoPipelineStore(_client, _databaseName);
        var raw = _client.GetDatabase(_databaseName).GetCollection<BsonDocument>(MongoSchema.RawFetches);

        await store.InitializeAsync(Ct);

        var keys = MongoUniqueKeys.Keys(MongoCommands.RawFetchesByStationWindowEnd);
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (!(await (await raw.Indexes.ListAsync(Ct)).ToListAsync(Ct)).Any(index => index["key"].AsBsonDocument.Equals(keys)))
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"no index {keys} on {MongoSchema.RawFetches} 30 s after the store was ready");
            await Task.Delay(100, Ct);
        }
    }

    [Fact]
    public async Task Mongo_a_unique_key_dropped_while_the_loader_runs_is_created_again_before_an_older_write_duplicates_a_day()
    {
        _client = MongoTestServer.CreateClient(await MongoTestServer.RequireAsync());
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = new MongoPipelineStore(_client, _databaseName, time: time);
        await store.InitializeAsync(Ct);
        var newer = StationDay();
        var older = newer with { SourceFetchId = Guid.NewGuid(), SourceFetchedAt = newer.SourceFetchedAt.AddHours(-1) };
        await store.UpsertAveragesAsync([newer], Ct);
        var daily = _client.GetDatabase(_databaseName).GetCollection<BsonDocument>(MongoSchema.DailyAverages);
        var hourly = _client.GetDatabase(_databaseName).GetCollection<BsonDocument>(MongoSchema.HourlyAverages);

        // The readiness check finds the key gone and creates it again.
        await daily.Indexes.DropOneAsync("station_id_1_date_1", Ct);
        await store.PingAsync(Ct);
        Assert.Contains(await (await daily.Indexes.ListAsync(Ct)).ToListAsync(Ct), index => index["name"] == "station_id_1_date_1");

        // A write more than UniqueKeysReverifiedAfter after the last verification does too, before it writes.
        await hourly.Indexes.DropOneAsync("station_id_1_hour_1", Ct);
        await daily.Indexes.DropOneAsync("station_id_1_date_1", Ct);
        time.Advance(MongoPipelineStore.UniqueKeysReverifiedAfter + TimeSpan.FromSeconds(1));
        await store.UpsertAveragesAsync([older], Ct);

        var days = await store.GetDailyAveragesAsync(newer.StationId, Day, Day, Ct);
        Assert.Equal(newer.SourceFetchedAt, Assert.Single(days).SourceFetchedAt);
        var hours = await store.GetHourlyAveragesAsync(newer.StationId, DayStart, DayStart.AddDays(1), Ct);
        Assert.Equal(newer.Hourly.Count, hours.Count);
        Assert.All(hours, hour => Assert.Equal(newer.SourceFetchedAt, hour.SourceFetchedAt));
    }

    /// <summary>
    /// A login the server refuses: the driver's "An exception occurred while opening a connection to the server." named
    /// neither the server nor the reason, and stopped the loader at start where a store not ready leaves it up.
    /// </summary>
    [Fact]
    public async Task Mongo_a_refused_login_leaves_the_loader_up_and_not_ready_naming_the_server_and_the_reason()
    {
        var uri = (await MongoTestServer.RequireAsync()).Replace("mongodb://", "mongodb://harmattan:not-the-password@");
        using var client = new MongoClient(MongoRegistration.ClientSettings(uri));
        var store = new MongoPipelineStore(client, _databaseName);

        await new PipelineStoreInitializer(store, NullLogger<PipelineStoreInitializer>.Instance).StartAsync(Ct);

        var check = new PipelineStoreHealthCheck(store, new StoreWriteMonitor(TimeProvider.System));
        var health = await check.CheckHealthAsync(new HealthCheckContext
        {
            Registration = new HealthCheckRegistration("pipeline-store", check, HealthStatus.Unhealthy, null),
        }, Ct);
        // The stand-in cannot answer SCRAM (MongoDB refuses the login; the words then name the user, password and
        // authSource): either way the server and the driver's innermost reason are named, not its outermost words.
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Contains(store.Location, health.Description);
        Assert.DoesNotContain("An exception occurred while opening a connection", health.Description);
        Assert.DoesNotContain("not-the-password", health.Description);
    }

    /// <summary>A store on the test server holding <see cref="StationDay"/>, and its daily collection.</summary>
    private async Task<(MongoPipelineStore Store, IMongoCollection<BsonDocument> Daily)> StoreWithOneDayAsync()
    {
        _client = MongoTestServer.CreateClient(await MongoTestServer.RequireAsync());
        var store = new MongoPipelineStore(_client, _databaseName);
        await store.InitializeAsync(Ct);
        await store.UpsertAveragesAsync([StationDay()], Ct);
        return (store, _client.GetDatabase(_databaseName).GetCollection<BsonDocument>(MongoSchema.DailyAverages));
    }

    [Fact]
    public async Task Mongo_a_check_written_after_a_later_one_by_another_loader_does_not_move_the_day_s_check_time_back()
    {
        var (store, daily) = await StoreWithOneDayAsync();
        // Two loaders read the day, each to mark it checked by a fetch the source sent no row for; the later check lands first.
        var readByBoth = await daily.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync(Ct);
        var (earlier, later) = (FetchedAt.AddHours(1), FetchedAt.AddHours(2));

        await daily.BulkWriteAsync(MongoCommands.DailyChecks(readByBoth, new Dictionary<(string, DateOnly), DateTimeOffset> { [(StationId, Day)] = later }, Order),
            cancellationToken: Ct);
        await daily.BulkWriteAsync(MongoCommands.DailyChecks(readByBoth, new Dictionary<(string, DateOnly), DateTimeOffset> { [(StationId, Day)] = earlier }, Order),
            cancellationToken: Ct);

        Assert.Equal(later, Assert.Single(await store.GetDailyAveragesAsync(StationId, Day, Day, Ct)).SourceCheckedAt);
    }

    [Fact]
    public async Task Mongo_a_check_is_recorded_on_a_day_whose_check_time_a_hand_edit_left_null()
    {
        var (store, daily) = await StoreWithOneDayAsync();
        // Replaced whole, not with $set: the wire stand-in mangles binary ids under update operators.
        var edited = await daily.Find(FilterDefinition<BsonDocument>.Empty).SingleAsync(Ct);
        edited[MongoSchema.SourceCheckedAtTicks] = BsonNull.Value;
        await daily.ReplaceOneAsync(Builders<BsonDocument>.Filter.Eq("_id", edited["_id"]), edited, cancellationToken: Ct);
        var checkedAt = FetchedAt.AddHours(3);

        await store.UpsertAveragesAsync([StationDayWithoutRows(checkedAt)], Ct);

        var day = Assert.Single(await store.GetDailyAveragesAsync(StationId, Day, Day, Ct));
        Assert.Equal((FetchedAt, checkedAt), (day.SourceFetchedAt, day.SourceCheckedAt));
    }

    [Fact]
    public async Task Mongo_a_stored_day_without_a_version_refuses_the_write_and_is_logged_and_counted_apart_from_older()
    {
        var connectionString = await MongoTestServer.RequireAsync();
        _client = MongoTestServer.CreateClient(connectionString);
        var logger = new CapturingLogger();
        var store = new MongoPipelineStore(_client, _databaseName, logger: logger);
        await store.InitializeAsync(Ct);
        var daily = _client.GetDatabase(_databaseName).GetCollection<BsonDocument>(MongoSchema.DailyAverages);
        var handWritten = new BsonDocument
        {
            { MongoSchema.StationId, StationId }, { MongoSchema.Date, MongoSchema.ToBson(Day) }, { MongoSchema.AlgorithmVersion, "2" },
        };
        await daily.InsertOneAsync(handWritten, cancellationToken: Ct);

        var result = await store.UpsertAveragesAsync([StationDay()], Ct);

        Assert.Equal(new Harmattan.Storage.UpsertResult(Written: 2, IgnoredAsOlder: 0, RefusedUnversioned: 1), result);
        var error = Assert.Single(logger.Errors);
        Assert.Contains(StationId, error);
        Assert.Contains("2024-03-01", error);
        Assert.Contains("daily_averages", error);
        Assert.Equal("2", (await daily.Find(FilterDefinition<BsonDocument>.Empty).SingleAsync(Ct))[MongoSchema.AlgorithmVersion].AsString);
    }

    [Fact]
    public async Task Mongo_the_loader_records_the_store_schema_and_a_reader_of_an_earlier_store_writes_none()
    {
        var connectionString = await MongoTestServer.RequireAsync();
        _client = MongoTestServer.CreateClient(connectionString);
        var database = _client.GetDatabase(_databaseName);
        // A store written before the schema was recorded.
        await database.GetCollection<BsonDocument>(MongoSchema.DailyAverages).InsertOneAsync(
            MongoSchema.ToDocument(StationDay(), StationDay().Daily[0]), cancellationToken: Ct);
        var store = new MongoPipelineStore(_client, _databaseName);

        await store.PrepareForReadingAsync(Ct);
        Assert.DoesNotContain(MongoSchema.StoreInfo, await (await database.ListCollectionNamesAsync(cancellationToken: Ct)).ToListAsync(Ct));

        await store.InitializeAsync(Ct);
        AssertBson("""{ "_id": "layout", "schema_version": 1 }""",
            await database.GetCollection<BsonDocument>(MongoSchema.StoreInfo).Find(FilterDefinition<BsonDocument>.Empty).SingleAsync(Ct));
    }

    [Fact]
    public async Task Mongo_a_database_written_by_a_newer_version_is_refused_naming_it_both_versions_and_the_fix_and_left_as_it_is()
    {
        var connectionString = await MongoTestServer.RequireAsync();
        _client = MongoTestServer.CreateClient(connectionString);
        var database = _client.GetDatabase(_databaseName);
        var daily = database.GetCollection<BsonDocument>(MongoSchema.DailyAverages);
        await daily.InsertOneAsync(MongoSchema.ToDocument(StationDay(), StationDay().Daily[0]), cancellationToken: Ct);
        var newer = MongoPipelineStore.SchemaVersion + 1;
        await database.GetCollection<BsonDocument>(MongoSchema.StoreInfo).InsertOneAsync(
            new BsonDocument { { MongoSchema.Id, MongoSchema.Layout }, { MongoSchema.LayoutVersion, newer } }, cancellationToken: Ct);
        var store = new MongoPipelineStore(_client, _databaseName);

        foreach (var open in new Func<Task>[] { () => store.InitializeAsync(Ct), () => store.PrepareForReadingAsync(Ct),
                     () => store.UpsertAveragesAsync([StationDay()], Ct), () => store.ArchiveRawFetchesAsync([RawFetch()], Ct) })
        {
            var refused = await Assert.ThrowsAsync<NewerStoreException>(open);
            Assert.Equal($"database {_databaseName} of {store.Location} was written by a newer version of Harmattan (store schema {newer}; " +
                $"this version knows up to {MongoPipelineStore.SchemaVersion}) and was left as it is: run the version that wrote it, " +
                "or a later one, or restore a dump taken before the upgrade with mongorestore", refused.Message);
        }

        Assert.Equal([MongoSchema.DailyAverages, MongoSchema.StoreInfo],
            (await (await database.ListCollectionNamesAsync(cancellationToken: Ct)).ToListAsync(Ct)).Order());
        Assert.Equal(["_id_"], (await (await daily.Indexes.ListAsync(Ct)).ToListAsync(Ct)).Select(index => index["name"].AsString));
        Assert.Equal(newer, MongoSchema.LayoutVersionOf(
            await database.GetCollection<BsonDocument>(MongoSchema.StoreInfo).Find(FilterDefinition<BsonDocument>.Empty).SingleAsync(Ct)));
    }

    [Fact]
    public async Task Mongo_a_database_upgraded_by_a_newer_version_while_a_store_has_it_open_is_refused_by_its_schema_check()
    {
        var connectionString = await MongoTestServer.RequireAsync();
        _client = MongoTestServer.CreateClient(connectionString);
        var store = new MongoPipelineStore(_client, _databaseName);
        await store.InitializeAsync(Ct);
        await store.RequireKnownSchemaAsync(Ct);
        var newer = MongoPipelineStore.SchemaVersion + 1;

        await _client.GetDatabase(_databaseName).GetCollection<BsonDocument>(MongoSchema.StoreInfo).UpdateOneAsync(
            MongoCommands.LayoutDocument, MongoCommands.RecordLayoutVersion(newer), cancellationToken: Ct);

        var refused = await Assert.ThrowsAsync<NewerStoreException>(() => store.RequireKnownSchemaAsync(Ct));
        Assert.Equal($"database {_databaseName} of {store.Location} was written by a newer version of Harmattan (store schema {newer}; " +
            $"this version knows up to {MongoPipelineStore.SchemaVersion}) and was left as it is: run the version that wrote it, " +
            "or a later one, or restore a dump taken before the upgrade with mongorestore", refused.Message);
    }

    /// <summary>A MongoDB URI whose server accepts connections and never sends a byte.</summary>
    private string SilentServer()
    {
        var server = UnansweringMongoServer.Silent();
        _disposables.Add(server);
        return server.ConnectionString;
    }

    private sealed class CapturingLogger : ILogger
    {
        private readonly List<string> _errors = [];

        public IReadOnlyList<string> Errors
        {
            get { lock (_errors) return [.. _errors]; }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Error)
                lock (_errors)
                    _errors.Add(formatter(state, exception));
        }
    }
}
