using Harmattan.Contracts;
using Harmattan.Storage;
using Harmattan.Storage.MongoDb;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Events;
using static Harmattan.Tests.Storage.MongoBson;

namespace Harmattan.Tests.Storage;

/// <summary>
/// Loader replicas (stores with a client each) writing the same days of one MongoDB database. A race is made certain by
/// running replica B's whole write inside replica A's driver event for the answer to A's read of daily_averages: after A
/// has read a day and before it writes what it decided from it.
/// </summary>
public sealed class MongoLoaderReplicasTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly List<IMongoClient> _clients = [];
    private readonly List<string> _databases = [];
    private string _connectionString = null!;
    private string _databaseName = null!;

    public async ValueTask InitializeAsync()
    {
        _connectionString = await MongoTestServer.RequireAsync();
        _databaseName = NewDatabase();
        await Plain().InitializeAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_clients.Count > 0)
            foreach (var database in _databases)
                await _clients[0].DropDatabaseAsync(database, CancellationToken.None);
        foreach (var client in _clients)
            client.Dispose();
    }

    private string NewDatabase()
    {
        var name = MongoTestServer.FreshDatabaseName();
        _databases.Add(name);
        return name;
    }

    private static readonly DateTimeOffset T1 = FetchedAt;

    private static AveragesComputed WithRows(DateTimeOffset fetchedAt) =>
        StationDay(algorithmVersion: 1) with { SourceFetchId = Guid.NewGuid(), SourceFetchedAt = fetchedAt };

    private static AveragesComputed WithoutRows(DateTimeOffset fetchedAt) => StationDayWithoutRows(fetchedAt, algorithmVersion: 1);

    [Fact]
    public async Task A_takeover_is_not_lost_when_another_replica_records_a_check_between_its_read_and_its_write()
    {
        // Stored: rows fetched at T1, checked at T1+3h by a fetch without rows.
        var setup = Plain();
        await setup.UpsertAveragesAsync([WithRows(T1)], Ct);
        await setup.UpsertAveragesAsync([WithoutRows(T1.AddHours(3))], Ct);

        // Replica A stores rows fetched at T1+1h (refused by the later check, so it takes over); meanwhile replica B
        // records a check at T1+4h (a fetch without rows).
        var delayed = WithRows(T1.AddHours(1));
        var outage = WithoutRows(T1.AddHours(4));
        var replicaB = Plain();
        var replicaA = Hooked(afterDailyFind: 1, () => replicaB.UpsertAveragesAsync([outage], Ct));

        var result = await replicaA.UpsertAveragesAsync([delayed], Ct);

        // In either serial order the day ends with the rows fetched at T1+1h, checked at T1+4h.
        var day = Assert.Single(await setup.GetDailyAveragesAsync(StationId, Day, Day, Ct));
        Assert.Equal((delayed.SourceFetchId, delayed.SourceFetchedAt, outage.SourceFetchedAt),
            (day.SourceFetchId, day.SourceFetchedAt, day.SourceCheckedAt));
        Assert.Equal(new UpsertResult(3, 0), result);
    }

    [Fact]
    public async Task An_older_takeover_by_another_replica_does_not_win_over_a_newer_one()
    {
        var setup = Plain();
        await setup.UpsertAveragesAsync([WithRows(T1)], Ct);
        await setup.UpsertAveragesAsync([WithoutRows(T1.AddHours(3))], Ct);

        // Both replicas store rows fetched before the check, so both take over; B's fetch (T1+30min) is older than A's (T1+1h).
        var newer = WithRows(T1.AddHours(1));
        var older = WithRows(T1.AddMinutes(30));
        var replicaB = Plain();
        var replicaA = Hooked(afterDailyFind: 1, () => replicaB.UpsertAveragesAsync([older], Ct));

        await replicaA.UpsertAveragesAsync([newer], Ct);

        var day = Assert.Single(await setup.GetDailyAveragesAsync(StationId, Day, Day, Ct));
        Assert.Equal((newer.SourceFetchId, newer.SourceFetchedAt, T1.AddHours(3)),
            (day.SourceFetchId, day.SourceFetchedAt, day.SourceCheckedAt));
        // And the hours are those of the same fetch as the day.
        Assert.All(await setup.GetHourlyAveragesAsync(StationId, DayStart, DayStart.AddDays(1), Ct),
            hour => Assert.Equal(newer.SourceFetchId, hour.SourceFetchId));
    }

    [Fact]
    public async Task A_check_is_not_lost_when_another_replica_writes_an_older_fetch_of_the_day_between_its_read_and_its_write()
    {
        var setup = Plain();
        await setup.UpsertAveragesAsync([WithRows(T1)], Ct);

        // Replica A records a check at T1+3h (no rows); meanwhile B stores rows fetched at T1+1h. Serially, in either order,
        // the day ends with B's rows checked at T1+3h (run/backfill read the check to know A's fetch was processed).
        var outage = WithoutRows(T1.AddHours(3));
        var delayed = WithRows(T1.AddHours(1));
        var replicaB = Plain();
        // A's 1st read of daily_averages is of the days its upsert refused, the 2nd the read before recording checks.
        var replicaA = Hooked(afterDailyFind: 2, () => replicaB.UpsertAveragesAsync([delayed], Ct));

        await replicaA.UpsertAveragesAsync([outage], Ct);

        var day = Assert.Single(await setup.GetDailyAveragesAsync(StationId, Day, Day, Ct));
        Assert.Equal((delayed.SourceFetchId, delayed.SourceFetchedAt, outage.SourceFetchedAt),
            (day.SourceFetchId, day.SourceFetchedAt, day.SourceCheckedAt));
    }

    /// <summary>Without a hook: each day's four later messages given to four replicas at the same moment.</summary>
    [Fact]
    public async Task Four_replicas_given_a_day_s_messages_together_end_as_one_store_would()
    {
        const int days = 60;
        var messages = new List<AveragesComputed>();
        for (var d = 0; d < days; d++)
        {
            var date = Day.AddDays(d);
            AveragesComputed OnDay(AveragesComputed a) => a with
            {
                WindowStart = a.WindowStart.AddDays(d),
                WindowEnd = a.WindowEnd.AddDays(d),
                Hourly = [.. a.Hourly.Select(h => h with { Hour = h.Hour.AddDays(d) })],
                Daily = [a.Daily[0] with { Date = date }],
            };
            messages.Add(OnDay(WithRows(T1)));
            messages.Add(OnDay(WithoutRows(T1.AddHours(3))));
            messages.Add(OnDay(WithRows(T1.AddHours(1))));
            messages.Add(OnDay(WithRows(T1.AddMinutes(30))));
            messages.Add(OnDay(WithoutRows(T1.AddHours(4))));
        }
        var setup = Plain();
        foreach (var d in Enumerable.Range(0, days))
            await setup.UpsertAveragesAsync([messages[5 * d]], Ct);

        var later = messages.Where((_, i) => i % 5 != 0).ToList();
        var replicas = Enumerable.Range(0, 4).Select(_ => Plain()).ToList();
        for (var d = 0; d < days; d++)
            await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
                Task.Run(() => replicas[i].UpsertAveragesAsync([later[4 * d + i]], Ct), Ct)));

        // By the rules, in any order: the rows fetched at T1+1h (the latest with rows), checked at T1+4h (the latest fetch).
        var stored = await setup.GetDailyAveragesAsync(StationId, Day, Day.AddDays(days - 1), Ct);
        Assert.Equal(days, stored.Count);
        Assert.Empty(stored.Where(s => s.SourceFetchedAt != T1.AddHours(1) || s.SourceCheckedAt != T1.AddHours(4))
            .Select(s => $"{s.Date}: fetched {s.SourceFetchedAt:HH:mm} checked {s.SourceCheckedAt:HH:mm}"));
    }

    [Fact]
    public async Task Replicas_archiving_the_same_readings_together_keep_the_latest_fetch_time()
    {
        var replicas = Enumerable.Range(0, 4).Select(_ => Plain()).ToList();
        for (var round = 0; round < 30; round++)
        {
            var id = Guid.NewGuid();
            var order = Enumerable.Range(0, 4).OrderBy(_ => Random.Shared.Next()).ToList();
            await Task.WhenAll(order.Select((minutes, i) => Task.Run(() => replicas[i].ArchiveRawFetchesAsync(
                [RawFetch() with { FetchId = id, FetchedAt = T1.AddMinutes(minutes), TimeZone = $"Etc/GMT-{minutes}" }], Ct), Ct)));
            var stored = (await replicas[0].GetRawFetchesAsync(StationId, DayStart, DayStart.AddDays(1), Ct)).Where(f => f.FetchId == id).ToList();
            var fetch = Assert.Single(stored);
            Assert.Equal((T1.AddMinutes(3), "Etc/GMT-3"), (fetch.FetchedAt, fetch.TimeZone));
        }
    }

    [Fact]
    public async Task Loaders_starting_together_on_an_empty_database_all_initialise_and_record_one_schema_document()
    {
        for (var round = 0; round < 10; round++)
        {
            var database = NewDatabase();
            var stores = Enumerable.Range(0, 4).Select(_ => Plain(database)).ToList();
            await Task.WhenAll(stores.Select(s => Task.Run(() => s.InitializeAsync(Ct), Ct)));
            var info = _clients[0].GetDatabase(database).GetCollection<BsonDocument>(MongoSchema.StoreInfo);
            var documents = await info.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync(Ct);
            var layout = Assert.Single(documents);
            Assert.Equal(MongoPipelineStore.SchemaVersion, layout[MongoSchema.LayoutVersion].ToInt32());
            foreach (var (collection, index) in MongoUniqueKeys.All)
            {
                var indexes = await (await _clients[0].GetDatabase(database).GetCollection<BsonDocument>(collection).Indexes.ListAsync(cancellationToken: Ct)).ToListAsync(Ct);
                Assert.Null(MongoUniqueKeys.Problem(collection, index, indexes));
                Assert.Single(indexes, i => i["key"].AsBsonDocument.Equals(MongoUniqueKeys.Keys(index)));
            }
        }
    }

    [Fact]
    public async Task Replicas_recreating_a_dropped_unique_key_together_all_become_ready_and_write()
    {
        var stores = Enumerable.Range(0, 4).Select(_ => Plain()).ToList();
        await Task.WhenAll(stores.Select(s => s.InitializeAsync(Ct)));
        for (var round = 0; round < 5; round++)
        {
            var daily = _clients[0].GetDatabase(_databaseName).GetCollection<BsonDocument>(MongoSchema.DailyAverages);
            await daily.Indexes.DropOneAsync(MongoUniqueKeys.Name(MongoCommands.DailyKey), Ct);
            await Task.WhenAll(stores.Select(s => Task.Run(() => s.PingAsync(Ct), Ct)));
            await Task.WhenAll(stores.Select((s, i) => Task.Run(() => s.UpsertAveragesAsync([WithRows(T1.AddMinutes(round * 10 + i))], Ct), Ct)));
            var indexes = await (await daily.Indexes.ListAsync(cancellationToken: Ct)).ToListAsync(Ct);
            Assert.Single(indexes, i => i["key"].AsBsonDocument.Equals(MongoUniqueKeys.Keys(MongoCommands.DailyKey)) && i["unique"].ToBoolean());
            Assert.Equal(1, await daily.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty, cancellationToken: Ct));
        }
    }

    private MongoPipelineStore Plain(string? database = null)
    {
        var client = MongoTestServer.CreateClient(_connectionString);
        _clients.Add(client);
        return new MongoPipelineStore(client, database ?? _databaseName);
    }

    /// <summary>A store whose <paramref name="afterDailyFind"/>-th read of daily_averages is followed, before its answer is used, by <paramref name="interleaved"/>.</summary>
    private MongoPipelineStore Hooked(int afterDailyFind, Func<Task> interleaved)
    {
        var remaining = afterDailyFind;
        Func<Task>? action = interleaved;
        var settings = MongoRegistration.ClientSettings(_connectionString);
        settings.ClusterConfigurator = cb => cb.Subscribe<CommandSucceededEvent>(e =>
        {
            if (e.CommandName != "find" || action is null)
                return;
            if (e.Reply.TryGetValue("cursor", out var cursor) && cursor.AsBsonDocument.TryGetValue("ns", out var ns)
                && !ns.AsString.EndsWith("." + MongoSchema.DailyAverages, StringComparison.Ordinal))
                return;
            if (--remaining > 0)
                return;
            var run = action;
            action = null;
            run().GetAwaiter().GetResult();
        });
        var client = new MongoClient(settings);
        _clients.Add(client);
        return new MongoPipelineStore(client, _databaseName);
    }
}
