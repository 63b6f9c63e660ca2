using Harmattan.Contracts;
using Harmattan.Storage.MongoDb;
using MongoDB.Bson;
using MongoDB.Driver;
using static Harmattan.Tests.Storage.MongoBson;

namespace Harmattan.Tests.Storage;

/// <summary>
/// The no-regression rule decided by a real MongoDB server, including two loaders racing on the same keys.
/// Skipped, with the reason, where no server is given.
/// </summary>
public sealed class MongoNoRegressionTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly List<IMongoClient> _clients = [];
    private string _connectionString = null!;
    private readonly string _databaseName = MongoTestServer.FreshDatabaseName();

    public async ValueTask InitializeAsync()
    {
        _connectionString = await MongoTestServer.RequireAsync();
        await NewLoaderStore().InitializeAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_clients.Count > 0)
            await _clients[0].DropDatabaseAsync(_databaseName, CancellationToken.None);
        foreach (var client in _clients)
            client.Dispose();
    }

    [Fact]
    public async Task Mongo_a_stale_write_is_ignored_and_counted()
    {
        var store = NewLoaderStore();
        var newer = StationDay(algorithmVersion: 1) with { SourceFetchedAt = FetchedAt.AddHours(1) };
        var stale = StationDay(algorithmVersion: 1) with { SourceFetchId = Guid.NewGuid(), SourceFetchedAt = FetchedAt };

        Assert.Equal(new(3, 0), await store.UpsertAveragesAsync([newer], Ct));
        Assert.Equal(new(0, 3), await store.UpsertAveragesAsync([stale], Ct));

        var day = Assert.Single(await store.GetDailyAveragesAsync(StationId, Day, Day, Ct));
        Assert.Equal(newer.SourceFetchId, day.SourceFetchId);
        Assert.Equal(newer.SourceFetchedAt, day.SourceFetchedAt);
        Assert.All(await store.GetHourlyAveragesAsync(StationId, DayStart, DayStart.AddDays(1), Ct),
            hour => Assert.Equal(newer.SourceFetchId, hour.SourceFetchId));
    }

    [Fact]
    public async Task Mongo_a_newer_algorithm_version_replaces_even_from_an_older_fetch()
    {
        var store = NewLoaderStore();
        var first = StationDay(algorithmVersion: 1) with { SourceFetchedAt = FetchedAt.AddHours(1) };
        var recomputed = StationDay(algorithmVersion: 2) with
        {
            SourceFetchedAt = FetchedAt,
            Daily = [StationDay().Daily[0] with { HoursCovered = 21, Completeness = 21 / 24.0 }],
        };

        await store.UpsertAveragesAsync([first], Ct);
        Assert.Equal(new(3, 0), await store.UpsertAveragesAsync([recomputed], Ct));

        var day = Assert.Single(await store.GetDailyAveragesAsync(StationId, Day, Day, Ct));
        Assert.Equal(2, day.AlgorithmVersion);
        Assert.Equal(21, day.HoursCovered);
        Assert.Equal(FetchedAt, day.SourceFetchedAt);
    }

    [Fact]
    public async Task Mongo_redelivering_the_same_averages_rewrites_them_and_keeps_one_document_per_key()
    {
        var store = NewLoaderStore();

        await store.UpsertAveragesAsync([StationDay()], Ct);
        Assert.Equal(new(6, 0), await store.UpsertAveragesAsync([StationDay(), StationDay()], Ct));

        Assert.Equal(1, await Collection(MongoSchema.DailyAverages).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty, cancellationToken: Ct));
        Assert.Equal(2, await Collection(MongoSchema.HourlyAverages).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty, cancellationToken: Ct));
    }

    [Fact]
    public async Task Mongo_two_loaders_racing_on_the_same_keys_end_with_one_document_per_key_at_the_newest_version()
    {
        const int days = 30;
        var loaderA = NewLoaderStore();
        var loaderB = NewLoaderStore();
        var older = Month(days, algorithmVersion: 1, FetchedAt);
        var newer = Month(days, algorithmVersion: 1, FetchedAt.AddMinutes(5));
        var newest = Month(days, algorithmVersion: 2, FetchedAt);

        // Each loader gets every key from every version, in opposite orders, one message per batch, so
        // inserts of new keys collide and stale writes arrive both before and after the newest one.
        var results = await Task.WhenAll(
            Task.Run(() => UpsertOneByOneAsync(loaderA, [.. older, .. newer, .. newest])),
            Task.Run(() => UpsertOneByOneAsync(loaderB, [.. newest, .. newer, .. older])));

        var keys = days * 25;
        Assert.Equal(6 * keys, results.Sum(r => r.Written + r.IgnoredAsOlder));
        Assert.Equal(days, await Collection(MongoSchema.DailyAverages).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty, cancellationToken: Ct));
        Assert.Equal(days * 24, await Collection(MongoSchema.HourlyAverages).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty, cancellationToken: Ct));
        var from = DayStart;
        var daily = await loaderA.GetDailyAveragesAsync(StationId, Day, Day.AddDays(days - 1), Ct);
        var hourly = await loaderA.GetHourlyAveragesAsync(StationId, from, from.AddDays(days), Ct);
        Assert.Equal(days, daily.Count);
        Assert.Equal(days * 24, hourly.Count);
        Assert.All(daily, d => Assert.Equal((2, newest[0].SourceFetchId), (d.AlgorithmVersion, d.SourceFetchId)));
        Assert.All(hourly, h => Assert.Equal((2, newest[0].SourceFetchId), (h.AlgorithmVersion, h.SourceFetchId)));
    }

    [Fact]
    public async Task Mongo_stored_documents_have_the_documented_shape()
    {
        var store = NewLoaderStore();
        await store.UpsertAveragesAsync([StationDay()], Ct);
        await store.ArchiveRawFetchesAsync([RawFetch()], Ct);

        var daily = await Collection(MongoSchema.DailyAverages).Find(FilterDefinition<BsonDocument>.Empty).SingleAsync(Ct);
        var raw = await Collection(MongoSchema.RawFetches).Find(FilterDefinition<BsonDocument>.Empty).SingleAsync(Ct);

        Assert.Equal(BsonType.ObjectId, daily["_id"].BsonType);
        daily.Remove("_id");
        Assert.Equal(Canonical(Assert.Single(MongoCommands.DailyUpserts(StationDay(), Order)).Replacement), Canonical(daily));
        Assert.Equal(Canonical(MongoCommands.ArchiveInsert(RawFetch()).Document), Canonical(raw));
    }

    [Fact]
    public async Task Mongo_archiving_a_fetch_twice_stores_it_once()
    {
        var store = NewLoaderStore();

        Assert.Equal(1, await store.ArchiveRawFetchesAsync([RawFetch(), RawFetch()], Ct));
        Assert.Equal(0, await store.ArchiveRawFetchesAsync([RawFetch()], Ct));

        Assert.Single(await store.GetRawFetchesAsync(StationId, DayStart, DayStart.AddDays(1), Ct));
    }

    /// <summary>A store with its own client, as a separate loader process has.</summary>
    private MongoPipelineStore NewLoaderStore()
    {
        var client = MongoTestServer.CreateClient(_connectionString);
        _clients.Add(client);
        return new MongoPipelineStore(client, _databaseName);
    }

    private IMongoCollection<BsonDocument> Collection(string name) =>
        _clients[0].GetDatabase(_databaseName).GetCollection<BsonDocument>(name);

    private static async Task<Harmattan.Storage.UpsertResult> UpsertOneByOneAsync(MongoPipelineStore store,
        IReadOnlyList<AveragesComputed> messages)
    {
        var total = new Harmattan.Storage.UpsertResult(0, 0);
        foreach (var message in messages)
            total += await store.UpsertAveragesAsync([message], Ct);
        return total;
    }

    /// <summary>One message per day, each with that day's 24 hours and its daily row.</summary>
    private static List<AveragesComputed> Month(int days, int algorithmVersion, DateTimeOffset fetchedAt)
    {
        var fetchId = Guid.NewGuid();
        var template = StationDay(algorithmVersion);
        return Enumerable.Range(0, days).Select(offset =>
        {
            var start = DayStart.AddDays(offset);
            return template with
            {
                WindowStart = start,
                WindowEnd = start.AddDays(1),
                SourceFetchId = fetchId,
                SourceFetchedAt = fetchedAt,
                Hourly = Enumerable.Range(0, 24)
                    .Select(h => template.Hourly[0] with { Hour = start.AddHours(h) }).ToList(),
                Daily = [template.Daily[0] with { Date = Day.AddDays(offset) }],
            };
        }).ToList();
    }
}
