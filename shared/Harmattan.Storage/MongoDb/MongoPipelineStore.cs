using Harmattan.Contracts;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Harmattan.Storage.MongoDb;

/// <summary>
/// The production store: upserts go out as unordered bulk writes whose filters carry the no-regression rule,
/// so the server decides atomically which write wins; nothing is read before it is written.
/// </summary>
public sealed partial class MongoPipelineStore : IPipelineStore
{
    private const int DuplicateKey = 11000;
    private static readonly BulkWriteOptions Unordered = new() { IsOrdered = false };

    private readonly IMongoDatabase _database;
    private readonly IMongoCollection<BsonDocument> _daily;
    private readonly IMongoCollection<BsonDocument> _hourly;
    private readonly IMongoCollection<BsonDocument> _raw;

    public MongoPipelineStore(IMongoClient client, IOptions<MongoStoreOptions> options)
        : this(client, options.Value.MongoDatabase)
    {
    }

    public MongoPipelineStore(IMongoClient client, string databaseName)
    {
        _database = client.GetDatabase(databaseName);
        _daily = _database.GetCollection<BsonDocument>(MongoSchema.DailyAverages);
        _hourly = _database.GetCollection<BsonDocument>(MongoSchema.HourlyAverages);
        _raw = _database.GetCollection<BsonDocument>(MongoSchema.RawFetches);
    }

    public string DatabaseName => _database.DatabaseNamespace.DatabaseName;

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await _daily.Indexes.CreateOneAsync(MongoCommands.DailyKey, cancellationToken: cancellationToken);
        await _hourly.Indexes.CreateOneAsync(MongoCommands.HourlyKey, cancellationToken: cancellationToken);
        await _raw.Indexes.CreateOneAsync(MongoCommands.RawFetchesByStationWindow, cancellationToken: cancellationToken);
        await _raw.Indexes.CreateOneAsync(MongoCommands.RawFetchesByStationFetchedAt, cancellationToken: cancellationToken);
    }

    public Task PingAsync(CancellationToken cancellationToken = default) =>
        _database.RunCommandAsync<BsonDocument>(MongoCommands.Ping, cancellationToken: cancellationToken);

    public async Task<int> ArchiveRawFetchesAsync(IReadOnlyCollection<RawReadingsFetched> fetches,
        CancellationToken cancellationToken = default)
    {
        var (inserted, _) = await WriteAsync(_raw, fetches.Select(MongoCommands.ArchiveInsert).ToList(), cancellationToken);
        return inserted;
    }

    public async Task<UpsertResult> UpsertAveragesAsync(IReadOnlyCollection<AveragesComputed> batch,
        CancellationToken cancellationToken = default)
    {
        var hourly = await UpsertAsync(_hourly, batch.SelectMany(MongoCommands.HourlyUpserts).ToList(), cancellationToken);
        var daily = await UpsertAsync(_daily, batch.SelectMany(MongoCommands.DailyUpserts).ToList(), cancellationToken);
        return hourly + daily;
    }

    public async Task<IReadOnlyList<StoredDailyAverage>> GetDailyAveragesAsync(string stationId, DateOnly from, DateOnly to,
        CancellationToken cancellationToken = default)
    {
        var documents = await _daily.Find(MongoCommands.DailyRange(stationId, from, to))
            .Sort(MongoCommands.ByDate).ToListAsync(cancellationToken);
        return documents.ConvertAll(MongoSchema.ToDailyAverage);
    }

    public async Task<IReadOnlyList<StoredHourlyAverage>> GetHourlyAveragesAsync(string stationId, DateTimeOffset from,
        DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var documents = await _hourly.Find(MongoCommands.HourlyRange(stationId, from, to))
            .Sort(MongoCommands.ByHour).ToListAsync(cancellationToken);
        return documents.ConvertAll(MongoSchema.ToHourlyAverage);
    }

    public async Task<IReadOnlyList<RawReadingsFetched>> GetRawFetchesAsync(string stationId, DateTimeOffset from,
        DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var documents = await _raw.Find(MongoCommands.RawFetchesOverlapping(stationId, from, to))
            .Sort(MongoCommands.ByWindowStartThenFetchedAt).ToListAsync(cancellationToken);
        return documents.ConvertAll(MongoSchema.ToRawFetch);
    }

    public async Task<StationActivity> GetStationActivityAsync(string stationId, CancellationToken cancellationToken = default)
    {
        var hour = await _hourly.Find(MongoCommands.StationFilter(stationId)).Sort(MongoCommands.LatestHourFirst)
            .Project(MongoCommands.HourOnly).Limit(1).FirstOrDefaultAsync(cancellationToken);
        var fetch = await _raw.Find(MongoCommands.StationFilter(stationId)).Sort(MongoCommands.LatestFetchFirst)
            .Project(MongoCommands.FetchedAtOnly).Limit(1).FirstOrDefaultAsync(cancellationToken);
        return new StationActivity(
            hour is null ? null : MongoSchema.ToInstant(hour[MongoSchema.Hour]),
            fetch is null ? null : MongoSchema.FromTicks(fetch[MongoSchema.FetchedAtTicks]));
    }

    private static async Task<UpsertResult> UpsertAsync(IMongoCollection<BsonDocument> collection,
        IReadOnlyList<WriteModel<BsonDocument>> upserts, CancellationToken cancellationToken)
    {
        var (written, rejected) = await WriteAsync(collection, upserts, cancellationToken);
        if (rejected.Count == 0)
            return new UpsertResult(written, 0);

        // A duplicate key is also what a write gets when it loses the race to insert a new key against a
        // concurrent writer. Documents are never deleted, so on this second try the key exists and the
        // version condition alone decides: a duplicate key now can only mean the stored row is newer.
        var (rewritten, older) = await WriteAsync(collection, rejected, cancellationToken);
        return new UpsertResult(written + rewritten, older.Count);
    }

    /// <summary>One unordered bulk write; returns the writes applied and those rejected as duplicate keys.</summary>
    private static async Task<(int Applied, IReadOnlyList<WriteModel<BsonDocument>> DuplicateKeys)> WriteAsync(
        IMongoCollection<BsonDocument> collection, IReadOnlyList<WriteModel<BsonDocument>> writes,
        CancellationToken cancellationToken)
    {
        if (writes.Count == 0)
            return (0, []);
        try
        {
            var result = await collection.BulkWriteAsync(writes, Unordered, cancellationToken);
            return (Applied(result), []);
        }
        catch (MongoBulkWriteException<BsonDocument> e)
            when (e.WriteConcernError is null && e.WriteErrors.All(error => error.Code == DuplicateKey))
        {
            return (Applied(e.Result), e.WriteErrors.Select(error => writes[error.Index]).ToList());
        }
    }

    private static int Applied(BulkWriteResult result) =>
        (int)(result.InsertedCount + result.MatchedCount) + result.Upserts.Count;
}
