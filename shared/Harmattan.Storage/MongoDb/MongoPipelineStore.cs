using Harmattan.Contracts;
using Harmattan.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Harmattan.Storage.MongoDb;

/// <summary>
/// The production store: upserts go out as unordered bulk writes whose filters carry the no-regression rule,
/// so the server decides atomically which write wins; nothing is read before it is written. Every operation (each batch
/// of a long read of the archive) is bounded by <see cref="MongoStoreOptions.MongoOperationTimeout"/>, and nothing is
/// written until the unique indexes the rule rests on are verified (<see cref="MongoUniqueKeys"/>).
/// </summary>
public sealed partial class MongoPipelineStore : IPipelineStore
{
    private const int DuplicateKey = 11000;
    private const string CheckTheServer =
        "check that it is up, that ConnectionStrings:MongoDb names it, and that a majority of its replica set is reachable.";
    private static readonly BulkWriteOptions Unordered = new() { IsOrdered = false };

    private readonly IMongoDatabase _database;
    private readonly IMongoCollection<BsonDocument> _daily;
    private readonly IMongoCollection<BsonDocument> _hourly;
    private readonly IMongoCollection<BsonDocument> _raw;
    private readonly TimeSpan _operationTimeout;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly string? _replicaSet;
    private readonly IMongoClient _client;
    /// <summary>When the unique keys were last found in place (<see cref="TimeProvider.GetTimestamp"/>), or 0 before.</summary>
    private long _uniqueKeysVerifiedAt;

    /// <summary>
    /// How long a write trusts the last verification of the unique keys. A collection dropped while the loader runs
    /// (<c>mongorestore --drop</c>, a <c>dropIndex</c>) loses them, and without them an older replay inserts a second
    /// document of a day where the key would have refused it.
    /// </summary>
    public static readonly TimeSpan UniqueKeysReverifiedAfter = TimeSpan.FromSeconds(10);

    public MongoPipelineStore(IMongoClient client, IOptions<MongoStoreOptions> options, ILogger<MongoPipelineStore>? logger = null,
        TimeProvider? time = null)
        : this(client, options.Value.MongoDatabase, options.Value.MongoOperationTimeout, logger, time)
    {
    }

    public MongoPipelineStore(IMongoClient client, string databaseName, TimeSpan? operationTimeout = null, ILogger? logger = null,
        TimeProvider? time = null)
    {
        _operationTimeout = operationTimeout ?? MongoStoreOptions.DefaultOperationTimeout;
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        Location = $"MongoDB at {MongoRegistration.Hosts(client.Settings)}";
        _replicaSet = client.Settings.ReplicaSetName;
        _client = client;
        // Writes depend on what the store reads just before (the day's stored version, the schema): a secondary's copy
        // may be behind, so the URI's readPreference, meant for other readers, is not followed.
        _database = client.GetDatabase(databaseName, new MongoDatabaseSettings { ReadPreference = ReadPreference.Primary });
        _daily = _database.GetCollection<BsonDocument>(MongoSchema.DailyAverages);
        _hourly = _database.GetCollection<BsonDocument>(MongoSchema.HourlyAverages);
        _raw = _database.GetCollection<BsonDocument>(MongoSchema.RawFetches);
    }

    public string DatabaseName => _database.DatabaseNamespace.DatabaseName;

    internal ReadPreference ReadPreference => _daily.Settings.ReadPreference;

    public string Location { get; }

    /// <summary>
    /// The shape of the store's documents, recorded in the database (<see cref="MongoSchema.StoreInfo"/>) so that an older
    /// version refuses a database it would misread. Raise it with any change an older version cannot read or write
    /// correctly. 0 is a database written before the version was recorded.
    /// </summary>
    public const int SchemaVersion = 1;

    /// <summary>
    /// Refuses a database of a newer version, then creates the indexes and verifies that both unique keys exist and are
    /// unique; throws, naming the collection, the index and the fix, when they cannot be created (e.g. duplicates already
    /// stored) or are not unique. Records <see cref="SchemaVersion"/> last.
    /// </summary>
    /// <exception cref="NewerStoreException">The database's schema is newer.</exception>
    public Task InitializeAsync(CancellationToken cancellationToken = default) =>
        BoundedAsync("the index creation", async bounded =>
        {
            var storedSchema = await StoredKnownSchemaAsync(bounded);
            foreach (var (collection, index) in MongoUniqueKeys.All)
            {
                try
                {
                    await _database.GetCollection<BsonDocument>(collection).Indexes.CreateOneAsync(index, cancellationToken: bounded);
                }
                catch (MongoCommandException e)
                {
                    throw new StoreNotReadyException(MongoUniqueKeys.CreationFailed(collection, index, e.ErrorMessage), e);
                }
            }
            await _raw.Indexes.CreateOneAsync(MongoCommands.RawFetchesByStationWindow, cancellationToken: bounded);
            await _raw.Indexes.CreateOneAsync(MongoCommands.RawFetchesByStationFetchedAt, cancellationToken: bounded);

            if (await UniqueKeysProblemAsync(bounded) is { } problem)
                throw new StoreNotReadyException(problem);
            if (storedSchema < SchemaVersion)
                await _database.GetCollection<BsonDocument>(MongoSchema.StoreInfo).UpdateOneAsync(MongoCommands.LayoutDocument,
                    MongoCommands.RecordLayoutVersion(SchemaVersion), new UpdateOptions { IsUpsert = true }, bounded);
            MarkUniqueKeysVerified();
            BuildGapCheckIndex();
            return true;
        }, cancellationToken);

    private int _gapCheckIndexBuilding;

    /// <summary>
    /// Builds <see cref="MongoCommands.RawFetchesByStationWindowEnd"/> without holding up the store: on an archive of years,
    /// added by an upgrade, the build outlasts the initialization's bound (and on a replica set waits for its voting
    /// members), while the gap check it serves only reads more until it exists. A failed build is tried at the next start.
    /// </summary>
    private void BuildGapCheckIndex()
    {
        if (Interlocked.Exchange(ref _gapCheckIndexBuilding, 1) == 1)
            return;
        _ = Task.Run(async () =>
        {
            try
            {
                await _raw.Indexes.CreateOneAsync(MongoCommands.RawFetchesByStationWindowEnd);
            }
            catch (Exception e)
            {
                _logger.LogWarning(e,
                    "{Location} did not build the index {{ station_id: 1, window_end: -1, fetched_at_ticks: -1 }} on {Collection}; the check for a gap before each scheduled fetch reads the station's archived fetches whole until it exists. The next start tries again, or create it with mongosh.",
                    Location, MongoSchema.RawFetches);
            }
        });
    }

    /// <summary>
    /// A readiness check initializes the store until that succeeded, then verifies the unique keys (which also asks the
    /// server to answer); where one went missing it creates it again, and reports why it cannot.
    /// </summary>
    public Task PingAsync(CancellationToken cancellationToken = default) => VerifyUniqueKeysAsync(cancellationToken);

    /// <summary>Lists the indexes of both keys' collections: the first problem found, or null when both are in place.</summary>
    private async Task<string?> UniqueKeysProblemAsync(CancellationToken bounded)
    {
        foreach (var (collection, index) in MongoUniqueKeys.All)
        {
            var indexes = await (await _database.GetCollection<BsonDocument>(collection).Indexes.ListAsync(bounded))
                .ToListAsync(bounded);
            if (MongoUniqueKeys.Problem(collection, index, indexes) is { } problem)
                return problem;
        }
        return null;
    }

    private async Task VerifyUniqueKeysAsync(CancellationToken cancellationToken)
    {
        var inPlace = Interlocked.Read(ref _uniqueKeysVerifiedAt) != 0 && await BoundedAsync("a check of the unique keys",
            async bounded => await UniqueKeysProblemAsync(bounded) is null, cancellationToken);
        if (inPlace)
            MarkUniqueKeysVerified();
        else
            await InitializeAsync(cancellationToken);
    }

    private void MarkUniqueKeysVerified() => Interlocked.Exchange(ref _uniqueKeysVerifiedAt, _time.GetTimestamp());

    /// <summary>
    /// Reading needs no index: the server is only asked to answer (a user with the read role may create none), and the
    /// database to hold the store's collections (<see cref="MissingStoreException"/> otherwise) of a version this one knows
    /// (<see cref="NewerStoreException"/> otherwise).
    /// </summary>
    public async Task PrepareForReadingAsync(CancellationToken cancellationToken = default)
    {
        await AnswerAsync(cancellationToken);
        var holdsTheStore = await BoundedAsync("the list of collections", async bounded =>
        {
            var names = await (await _database.ListCollectionNamesAsync(cancellationToken: bounded)).ToListAsync(bounded);
            return names.Intersect([MongoSchema.DailyAverages, MongoSchema.HourlyAverages, MongoSchema.RawFetches]).Any();
        }, cancellationToken);
        if (!holdsTheStore)
            throw new MissingStoreException(Holder);
        await RequireKnownSchemaAsync(cancellationToken);
    }

    public Task<long> RequireKnownSchemaAsync(CancellationToken cancellationToken = default) =>
        BoundedAsync($"a read of {MongoSchema.StoreInfo}", StoredKnownSchemaAsync, cancellationToken);

    public long KnownSchema => SchemaVersion;

    public string Holder => $"database {DatabaseName} of {Location}";

    /// <summary>The store schema recorded in the database, refusing one newer than <see cref="SchemaVersion"/>.</summary>
    private async Task<long> StoredKnownSchemaAsync(CancellationToken cancellationToken)
    {
        var layout = await _database.GetCollection<BsonDocument>(MongoSchema.StoreInfo).Find(MongoCommands.LayoutDocument)
            .FirstOrDefaultAsync(cancellationToken);
        var storedSchema = MongoSchema.LayoutVersionOf(layout);
        return storedSchema <= SchemaVersion ? storedSchema : throw new NewerStoreException(Holder, storedSchema, SchemaVersion,
            "a dump taken before the upgrade with mongorestore");
    }

    /// <summary>
    /// A ping that fails as soon as the driver has failed to connect to every server it knows (a refused connection, a
    /// name not resolved), not at the end of its server selection (30 s by default): a command or a page asked of a store
    /// that is down says so at once. Only the reads' ping: the loader's writes wait, so a server restarting within the
    /// time-out costs them nothing.
    /// </summary>
    private async Task AnswerAsync(CancellationToken cancellationToken)
    {
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // A failure the driver saw before this ping may be over (a server back after a restart): only its next try counts.
        var asked = DateTime.UtcNow;
        var ping = BoundedAsync("a ping", bounded => _database.RunCommandAsync<BsonDocument>(MongoCommands.Ping, cancellationToken: bounded),
            giveUp.Token);
        while (!ping.IsCompleted)
        {
            if (UnreachableServers(since: asked) is { } failures)
            {
                giveUp.Cancel();
                // Waited for, so that its cancellation is observed; what it ends with is the reason below.
                await ((Task)ping).ContinueWith(_ => { }, TaskScheduler.Default);
                var hint = ReplicaSetHint().Trim().TrimEnd('.');
                throw new StoreNotReadyException(
                    $"{Location} could not be reached ({failures}): {CheckTheServer.TrimEnd('.')}{(hint.Length > 0 ? $". {hint}" : "")}");
            }
            await Task.WhenAny(ping, Task.Delay(UnreachablePoll, cancellationToken));
        }
        await ping;
    }

    /// <summary>How often a ping looks whether every server has failed to connect.</summary>
    private static readonly TimeSpan UnreachablePoll = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Why the driver's last connection to each server failed, when it failed to every server it knows, each at its last
    /// try after <paramref name="since"/> ("the last connection to 127.0.0.1:27017 failed: Connection refused"); null
    /// while one may still answer.
    /// </summary>
    private string? UnreachableServers(DateTime since)
    {
        var servers = _client.Cluster.Description.Servers;
        return servers.Count > 0 && servers.All(server => server.HeartbeatException is not null && server.LastUpdateTimestamp >= since)
            ? string.Join("; ", servers.Select(LastConnectionFailure))
            : null;
    }

    public async Task<int> ArchiveRawFetchesAsync(IReadOnlyCollection<RawReadingsFetched> fetches,
        CancellationToken cancellationToken = default)
    {
        await EnsureUniqueKeysAsync(cancellationToken);
        await RequireKnownSchemaAsync(cancellationToken);
        var (inserted, archivedBefore) = await WriteAsync(_raw, fetches.Select(MongoCommands.ArchiveInsert).ToList(), cancellationToken);
        // The same readings fetched again (their id is a hash of them): the later fetch time is the one replay,
        // pruning and the time-zone check must see, or an older fetch of the day would pass for the newest.
        var order = FetchTimeOrder.Now(_time);
        await WriteAsync(_raw, archivedBefore.Select(refused => MongoCommands.ArchiveRefetched(refused, order)).ToList(), cancellationToken);
        return inserted;
    }

    /// <summary>
    /// Two bulk writes, not one transaction: the hourly rows first, then the daily rows. A crash between them leaves
    /// the hours of the batch stored and its days not; the message was not acknowledged, so it is redelivered, the
    /// hourly upserts find their own version stored (not newer, so they rewrite the same rows) and the daily ones
    /// are written. Days last, because a stored day is what the CLI reads as "done".
    /// </summary>
    public async Task<UpsertResult> UpsertAveragesAsync(IReadOnlyCollection<AveragesComputed> batch,
        CancellationToken cancellationToken = default)
    {
        await EnsureUniqueKeysAsync(cancellationToken);
        await RequireKnownSchemaAsync(cancellationToken);
        var order = FetchTimeOrder.Now(_time);
        var hourly = await UpsertAsync(_hourly, MongoSchema.Hour,
            batch.SelectMany(averages => MongoCommands.HourlyUpserts(averages, order)).ToList(), cancellationToken);
        var daily = await UpsertAsync(_daily, MongoSchema.Date,
            batch.SelectMany(averages => MongoCommands.DailyUpserts(averages, order)).ToList(), cancellationToken,
            (stored, refused) => MongoCommands.DailyTakeOvers(stored, refused, order));
        await MarkCheckedAsync(MongoCommands.DaysWithoutRows(batch, order), order, cancellationToken);
        return hourly + daily;
    }

    /// <summary>Records on the stored days the source sent no row for that it was asked for them (they keep their rows).</summary>
    private async Task MarkCheckedAsync(IReadOnlyDictionary<(string StationId, DateOnly Date), DateTimeOffset> checkedAt,
        FetchTimeOrder order, CancellationToken cancellationToken)
    {
        if (checkedAt.Count == 0)
            return;
        // A check matches only the document as read: where another loader replaced the day meanwhile (with a fetch that
        // may be older than this check), the days are read again and the checks decided again, until none is left to write.
        for (var attempt = 1; ; attempt++)
        {
            var stored = await BoundedAsync($"a read of {MongoSchema.DailyAverages}",
                bounded => _daily.Find(MongoCommands.StoredDays(checkedAt.Keys)).ToListAsync(bounded), cancellationToken);
            var checks = MongoCommands.DailyChecks(stored, checkedAt, order).ToList<WriteModel<BsonDocument>>();
            if (checks.Count == 0 || (await WriteAsync(_daily, checks, cancellationToken)).Applied == checks.Count)
                return;
            if (attempt == MaxRereads)
                throw new InvalidOperationException(
                    $"{MongoSchema.DailyAverages} kept changing under {MaxRereads} attempts to record the days' check times; the batch is retried.");
        }
    }

    /// <summary>How many times a write decided from a document read (a take-over, a check) reads it again after losing a race.</summary>
    private const int MaxRereads = 16;

    // The reads of averages are bounded like the writes: the dashboard and the CLI's progress read them, and a store that
    // stops answering must fail them within Storage:MongoOperationTimeout, not hold the page or the wait. They are small:
    // one document a day or an hour of one station, at most ten years of days (DashboardApi.MaxDays) at a time.
    public async Task<IReadOnlyList<StoredDailyAverage>> GetDailyAveragesAsync(string stationId, DateOnly from, DateOnly to,
        CancellationToken cancellationToken = default)
    {
        var documents = await BoundedAsync($"a read of {MongoSchema.DailyAverages}", bounded => _daily.Find(MongoCommands.DailyRange(stationId, from, to))
            .Sort(MongoCommands.ByDate).ToListAsync(bounded), cancellationToken);
        return Read(documents, MongoSchema.ToDailyAverage, MongoSchema.DailyAverages, MongoSchema.Date);
    }

    public async Task<IReadOnlyList<StoredHourlyAverage>> GetHourlyAveragesAsync(string stationId, DateTimeOffset from,
        DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var documents = await BoundedAsync($"a read of {MongoSchema.HourlyAverages}", bounded => _hourly.Find(MongoCommands.HourlyRange(stationId, from, to))
            .Sort(MongoCommands.ByHour).ToListAsync(bounded), cancellationToken);
        return Read(documents, MongoSchema.ToHourlyAverage, MongoSchema.HourlyAverages, MongoSchema.Hour);
    }

    public async Task<IReadOnlyList<RawReadingsFetched>> GetRawFetchesAsync(string stationId, DateTimeOffset from,
        DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var documents = await ReadAllAsync($"a read of {MongoSchema.RawFetches}",
            _raw.Find(MongoCommands.RawFetchesOverlapping(stationId, from, to)).Sort(MongoCommands.ByWindowStartThenFetchedAt), cancellationToken);
        return Read(documents, MongoSchema.ToRawFetch, MongoSchema.RawFetches, MongoSchema.WindowStart);
    }

    /// <summary>
    /// A document the store did not write as it is (another tool's, or edited by hand) is named with the fix: the driver's
    /// own words ("Element 'hours_in_day' not found.") name neither the document nor the database.
    /// </summary>
    private List<T> Read<T>(List<BsonDocument> documents, Func<BsonDocument, T> convert, string collection, string at) =>
        documents.ConvertAll(document =>
        {
            try
            {
                return convert(document);
            }
            catch (Exception e) when (DamagedRecord.Is(e))
            {
                // Written by something else, its values may hold anything: line breaks, terminal escapes, a whole page.
                string Field(string name) => document.TryGetValue(name, out var value) ? PrintableText.Of(value.ToString(), 64) : "(none)";
                throw new InvalidDataException(
                    $"{Location}: the {collection} document {Field("_id")} of station {Field(MongoSchema.StationId)} at {Field(at)} " +
                    $"cannot be read ({PrintableText.Of(e.Message, 200)}), " +
                    "so it is not as the loader writes it (another tool's write, or an edit by hand?): delete it with mongosh and fetch that day " +
                    "again (harmattan backfill --refetch)", e);
            }
        });

    /// <summary>
    /// Every document <paramref name="find"/> answers, each batch bounded by
    /// <see cref="MongoStoreOptions.MongoOperationTimeout"/> rather than the whole read: a read of the archive may rightly
    /// take longer (a year of a station's fetches, readings included), but a server that stops answering fails it within
    /// the limit of the batch it holds back.
    /// </summary>
    private async Task<List<T>> ReadAllAsync<T>(string operation, IFindFluent<BsonDocument, T> find, CancellationToken cancellationToken)
    {
        var documents = new List<T>();
        using var cursor = await BoundedAsync(operation, find.ToCursorAsync, cancellationToken);
        while (await BoundedAsync(operation, cursor.MoveNextAsync, cancellationToken))
            documents.AddRange(cursor.Current);
        return documents;
    }

    // The three reads below answer with a few small documents, so they are bounded like the writes: a store that is
    // down fails them within Storage:MongoOperationTimeout, not the driver's server selection time-out.
    public async Task<IReadOnlyList<string>> GetStationIdsAsync(CancellationToken cancellationToken = default)
    {
        var ids = await BoundedAsync($"a read of {MongoSchema.DailyAverages}", async bounded =>
        {
            using var cursor = await _daily.DistinctAsync<string>(MongoSchema.StationId, MongoCommands.AllDocuments, cancellationToken: bounded);
            return await cursor.ToListAsync(bounded);
        }, cancellationToken);
        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    public async Task<StationActivity> GetStationActivityAsync(string stationId, CancellationToken cancellationToken = default)
    {
        var hour = await BoundedAsync($"a read of {MongoSchema.HourlyAverages}", bounded => _hourly.Find(MongoCommands.StationFilter(stationId))
            .Sort(MongoCommands.LatestHourFirst).Project(MongoCommands.HourOnly).Limit(1).FirstOrDefaultAsync(bounded), cancellationToken);
        var fetch = await BoundedAsync($"a read of {MongoSchema.RawFetches}", bounded => _raw.Find(MongoCommands.StationFilter(stationId))
            .Sort(MongoCommands.LatestFetchFirst).Project(MongoCommands.FetchedAtAndTimeZoneOnly).Limit(1).FirstOrDefaultAsync(bounded), cancellationToken);
        return new StationActivity(
            hour is null ? null : MongoSchema.ToInstant(hour[MongoSchema.Hour]),
            fetch is null ? null : MongoSchema.FromTicks(fetch[MongoSchema.FetchedAtTicks]),
            fetch?[MongoSchema.TimeZone].AsString);
    }

    public async Task<DateTimeOffset?> GetFetchedUntilAsync(string stationId, DateTimeOffset fetchedBefore,
        CancellationToken cancellationToken = default)
    {
        var lastEnding = await BoundedAsync($"a read of {MongoSchema.RawFetches}", bounded => _raw.Find(MongoCommands.FetchedBefore(stationId, fetchedBefore))
            .Sort(MongoCommands.LatestWindowEndFirst).Project(MongoCommands.WindowEndAndFetchedAtOnly).Limit(1).FirstOrDefaultAsync(bounded),
            cancellationToken);
        if (lastEnding is null)
            return null;
        var (windowEnd, fetchedAt) = (MongoSchema.ToInstant(lastEnding[MongoSchema.WindowEnd]), MongoSchema.FromTicks(lastEnding[MongoSchema.FetchedAtTicks]));
        return windowEnd < fetchedAt ? windowEnd : fetchedAt;
    }

    private async Task EnsureUniqueKeysAsync(CancellationToken cancellationToken)
    {
        var verifiedAt = Interlocked.Read(ref _uniqueKeysVerifiedAt);
        if (verifiedAt == 0 || _time.GetElapsedTime(verifiedAt) > UniqueKeysReverifiedAfter)
            await VerifyUniqueKeysAsync(cancellationToken);
    }

    /// <param name="takeOvers">
    /// The writes that replace some of the stored documents that refused a write, all the same, each with how many of the
    /// refused writes it stands for (see <see cref="MongoCommands.DailyTakeOvers"/>): from those documents and the
    /// refused replacements.
    /// </param>
    private async Task<UpsertResult> UpsertAsync(IMongoCollection<BsonDocument> collection, string keyField,
        IReadOnlyList<WriteModel<BsonDocument>> upserts, CancellationToken cancellationToken,
        Func<IReadOnlyList<BsonDocument>, IEnumerable<BsonDocument>, IEnumerable<(ReplaceOneModel<BsonDocument> Write, int Replacing)>>? takeOvers = null)
    {
        var (written, rejected) = await WriteAsync(collection, upserts, cancellationToken);
        if (rejected.Count == 0)
            return new UpsertResult(written, 0);

        // A duplicate key is also what a write gets when it loses the race to insert a new key against a
        // concurrent writer. Documents are never deleted, so on this second try the key exists and the
        // version condition alone decides: a duplicate key now means the stored row is newer (or has rows that a day
        // without rows never replaces, or none and a later check), or that it has no comparable version at all, which
        // would block every later write of that key: those are told apart.
        var (rewritten, refused) = await WriteAsync(collection, rejected, cancellationToken);
        if (refused.Count == 0)
            return new UpsertResult(written + rewritten, 0);
        var replacements = refused.Select(w => ((ReplaceOneModel<BsonDocument>)w).Replacement).ToList();
        Task<List<BsonDocument>> ReadStoredAsync(IEnumerable<BsonDocument> of) =>
            BoundedAsync($"a read of {collection.CollectionNamespace.CollectionName}", bounded =>
                collection.Find(MongoCommands.StoredKeys(of, keyField)).ToListAsync(bounded), cancellationToken);
        var stored = await ReadStoredAsync(replacements);
        var unversioned = CountUnversioned(collection, keyField, stored);
        var takenOver = 0;
        // A take-over matches only the document as read: where another loader changed it meanwhile (its own take-over,
        // possibly of an older fetch, or a check), the key is read again and its take-over decided again, until it is
        // applied or the stored document wins by the rules.
        var pending = replacements;
        for (var attempt = 1; takeOvers is not null && pending.Count > 0; attempt++)
        {
            var lost = new List<BsonDocument>();
            foreach (var (write, replacing) in takeOvers(stored, pending))
                if ((await WriteAsync(collection, [write], cancellationToken)).Applied == 1)
                    takenOver += replacing;
                else
                    lost.AddRange(pending.Where(r => r[MongoSchema.StationId].Equals(write.Replacement[MongoSchema.StationId])
                        && r[keyField].Equals(write.Replacement[keyField])));
            if (lost.Count == 0)
                break;
            if (attempt == MaxRereads)
                throw new InvalidOperationException(
                    $"{collection.CollectionNamespace.CollectionName} kept changing under {MaxRereads} attempts to replace its documents; the batch is retried.");
            pending = lost;
            stored = await ReadStoredAsync(pending);
        }
        return new UpsertResult(written + rewritten + takenOver, refused.Count - unversioned - takenOver, unversioned);
    }

    /// <summary>Logs every stored document that refused a write without a valid version as an error, and counts them.</summary>
    private int CountUnversioned(IMongoCollection<BsonDocument> collection, string keyField, IReadOnlyList<BsonDocument> stored)
    {
        var unversioned = 0;
        foreach (var document in stored.Where(d => !MongoSchema.HasValidVersion(d)))
        {
            unversioned++;
            _logger.LogError(
                "Station {StationId} {KeyField} {Key} in {Collection}: the stored document has no valid {AlgorithmVersion} and " +
                "{SourceFetchedAtTicks}, so no write can replace it and this one was refused. Fix the document by hand " +
                "(or delete it and run `harmattan replay` for that day).",
                document.GetValue(MongoSchema.StationId, BsonNull.Value).ToString(), keyField, MongoSchema.Describe(keyField, document.GetValue(keyField, BsonNull.Value)),
                collection.CollectionNamespace.CollectionName, MongoSchema.AlgorithmVersion, MongoSchema.SourceFetchedAtTicks);
        }
        return unversioned;
    }

    /// <summary>One unordered bulk write; returns the writes applied and those rejected as duplicate keys.</summary>
    private Task<(int Applied, IReadOnlyList<WriteModel<BsonDocument>> DuplicateKeys)> WriteAsync(
        IMongoCollection<BsonDocument> collection, IReadOnlyList<WriteModel<BsonDocument>> writes,
        CancellationToken cancellationToken) =>
        writes.Count == 0
            ? Task.FromResult<(int, IReadOnlyList<WriteModel<BsonDocument>>)>((0, []))
            : BoundedAsync($"a bulk write to {collection.CollectionNamespace.CollectionName}",
                bounded => BulkWriteAsync(collection, writes, bounded), cancellationToken);

    private static async Task<(int Applied, IReadOnlyList<WriteModel<BsonDocument>> DuplicateKeys)> BulkWriteAsync(
        IMongoCollection<BsonDocument> collection, IReadOnlyList<WriteModel<BsonDocument>> writes,
        CancellationToken cancellationToken)
    {
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

    /// <summary>
    /// Runs one operation under <see cref="MongoStoreOptions.MongoOperationTimeout"/>: a server that accepts the
    /// connection and never answers, or a write concern that is never satisfied, fails the operation with a
    /// <see cref="TimeoutException"/> instead of holding the caller (and the loader's batch) forever.
    /// </summary>
    private async Task<T> BoundedAsync<T>(string operation, Func<CancellationToken, Task<T>> run, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_operationTimeout);
        Task<T>? running = null;
        try
        {
            // The driver does not notice a cancellation in every state of a connection that never answers (it may
            // wait for its own server selection timeout), so the wait itself is bounded too.
            running = run(deadline.Token);
            return await running.WaitAsync(_operationTimeout, cancellationToken);
        }
        catch (TimeoutException e) when (running is { IsFaulted: true } && running.Exception.InnerException == e)
        {
            // The driver's own limit came first: no server could be selected within the URI's serverSelectionTimeoutMS.
            // Its message goes on to describe the whole cluster; the first words say what timed out.
            var driverSaid = e.Message.Split(" using ")[0].TrimEnd('.');
            throw new TimeoutException(
                $"{Location} did not answer {operation}: {driverSaid} (serverSelectionTimeoutMS of ConnectionStrings:MongoDb{LastConnectionFailures()}): {CheckTheServer}" +
                ReplicaSetHint(), e);
        }
        catch (Exception e) when (e is TimeoutException || (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested))
        {
            // With the defaults (30 s each) this limit and the driver's server selection end together, and this one may
            // come first: the set's hint is said here too, while the driver knows no primary (a slow answer of a set
            // that has one is no reason to leave the set).
            throw new TimeoutException(
                $"{Location} did not answer {operation} within {_operationTimeout} (Storage:MongoOperationTimeout{LastConnectionFailures()}): {CheckTheServer}" +
                (KnowsPrimary() ? "" : ReplicaSetHint()), e);
        }
        catch (MongoConnectionException e)
        {
            // The driver's own words ("An exception occurred while opening a connection to the server.") name neither the
            // server nor the reason, which is often a refused login.
            var reason = e.GetBaseException().Message.TrimEnd('.');
            throw new StoreNotReadyException(IsRefusedLogin(e)
                ? $"{Location} refused the login for {operation} ({reason}): check the user and password in ConnectionStrings:MongoDb, and its authSource"
                : $"{Location} broke the connection during {operation} ({reason})", e);
        }
    }

    /// <summary>
    /// Whether the driver's connection error is the server refusing the login (the driver wraps the authentication error
    /// in a connection error as it opens a connection, or throws it as such).
    /// </summary>
    public static bool IsRefusedLogin(Exception connectionError) =>
        connectionError is MongoAuthenticationException || connectionError.InnerException is MongoAuthenticationException;

    /// <summary>
    /// With replicaSet= the driver waits for a primary among the members under the names the set gives them, which a host
    /// outside the set may not resolve (docker compose's from the host), or for a set of that name at all.
    /// </summary>
    private bool KnowsPrimary() =>
        _client.Cluster.Description.Servers.Any(server => server.Type == MongoDB.Driver.Core.Servers.ServerType.ReplicaSetPrimary);

    /// <summary>
    /// Why the driver's last connection to each server failed ("Connection refused", a name not resolved), which its
    /// time-out does not say: "; the last connection to mongo1:27017 failed: Connection refused", or nothing.
    /// </summary>
    private string LastConnectionFailures() => string.Concat(_client.Cluster.Description.Servers
        .Where(server => server.HeartbeatException is not null)
        .Select(server => $"; {LastConnectionFailure(server)}"));

    private static string LastConnectionFailure(MongoDB.Driver.Core.Servers.ServerDescription server) =>
        $"the last connection to {Address(server.EndPoint)} failed: {server.HeartbeatException.GetBaseException().Message.TrimEnd('.')}";

    private static string Address(System.Net.EndPoint endPoint) => endPoint switch
    {
        System.Net.DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        _ => endPoint.ToString() ?? "",
    };

    private string ReplicaSetHint() => _replicaSet is null ? "" :
        $" The URI names replica set {_replicaSet}: the driver waits for its primary, under the host names the set gives its members; " +
        "from a host that cannot reach those names, connect to one member with directConnection=true instead of replicaSet=.";

    private static int Applied(BulkWriteResult result) =>
        (int)(result.InsertedCount + result.MatchedCount) + result.Upserts.Count;
}
