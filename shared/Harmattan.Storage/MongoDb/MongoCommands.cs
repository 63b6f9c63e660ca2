using Harmattan.Contracts;
using MongoDB.Bson;
using MongoDB.Driver;
using static Harmattan.Storage.MongoDb.MongoSchema;

namespace Harmattan.Storage.MongoDb;

/// <summary>
/// Every filter, write model, sort and index the MongoDB store sends, built in one place so that
/// tests render each to BSON without a server.
/// </summary>
public static class MongoCommands
{
    private static readonly FilterDefinitionBuilder<BsonDocument> Filter = Builders<BsonDocument>.Filter;
    private static readonly SortDefinitionBuilder<BsonDocument> Sort = Builders<BsonDocument>.Sort;
    private static readonly IndexKeysDefinitionBuilder<BsonDocument> Keys = Builders<BsonDocument>.IndexKeys;

    /// <summary>
    /// Whole-document replacements rather than $set: the newest version wins entirely, and the fields keep
    /// the schema's order in mongosh ($set adds new fields in lexicographic order).
    /// </summary>
    public static IEnumerable<ReplaceOneModel<BsonDocument>> DailyUpserts(AveragesComputed averages, FetchTimeOrder order) =>
        averages.Daily.Select(day => new ReplaceOneModel<BsonDocument>(
            DailyUpsertFilter(averages, day, order), ToDocument(averages, day)) { IsUpsert = true });

    public static IEnumerable<ReplaceOneModel<BsonDocument>> HourlyUpserts(AveragesComputed averages, FetchTimeOrder order) =>
        averages.Hourly.Select(hour => new ReplaceOneModel<BsonDocument>(
            HourlyUpsertFilter(averages, hour.Hour, order), ToDocument(averages, hour)) { IsUpsert = true });

    /// <summary>
    /// Matches the day only when the stored version is not newer than this write, and, for a day the source sent no
    /// row for, only when the stored day has no row either: such a day never replaces one with rows (an outage
    /// answering nothing would otherwise erase it). So that the order the two arrive in does not matter, a day with rows
    /// replaces one without whatever its version or fetch time. And only when the stored day was last checked no later
    /// than this fetch, whose time the replacement records as the check: a day checked later is replaced by
    /// <see cref="DailyTakeOvers"/>, which keeps that check. When the filter matches nothing, the upsert tries to insert a
    /// second document for the key, and the unique index rejects it with a duplicate-key error: the server's answer to
    /// "kept". Fetch times compare in <paramref name="order"/>.
    /// </summary>
    public static FilterDefinition<BsonDocument> DailyUpsertFilter(AveragesComputed averages, DailyAverage day, FetchTimeOrder order)
    {
        var replaceable = day.Coverage() == DayCoverage.MissingAtSource
            ? NotNewerThan(averages, order) & WithoutRows
            : NotNewerThan(averages, order) | WithoutRows;
        // The stored day's check time (SourceCheckedAtOf: its check, or its fetch where unrecorded) is not later.
        var mine = averages.SourceFetchedAt;
        return DayKey(averages.StationId, day.Date) & replaceable
            & (NotLaterThan(SourceCheckedAtTicks, mine, order)
               | Filter.Exists(SourceCheckedAtTicks, false) & NotLaterThan(SourceFetchedAtTicks, mine, order));
    }

    /// <summary>Documents whose time in <paramref name="ticksField"/> is not later than <paramref name="mine"/> in <paramref name="order"/>.</summary>
    private static FilterDefinition<BsonDocument> NotLaterThan(string ticksField, DateTimeOffset mine, FetchTimeOrder order) =>
        order.IsAhead(mine)
            ? Filter.Gt(ticksField, ToTicks(order.AheadAfter)) & Filter.Lte(ticksField, ToTicks(mine))
            : Filter.Lte(ticksField, ToTicks(mine)) | Filter.Gt(ticksField, ToTicks(order.AheadAfter));

    /// <summary>Documents whose time in <paramref name="ticksField"/> is earlier than <paramref name="mine"/> in <paramref name="order"/>.</summary>
    private static FilterDefinition<BsonDocument> EarlierThan(string ticksField, DateTimeOffset mine, FetchTimeOrder order) =>
        order.IsAhead(mine)
            ? Filter.Gt(ticksField, ToTicks(order.AheadAfter)) & Filter.Lt(ticksField, ToTicks(mine))
            : Filter.Lt(ticksField, ToTicks(mine)) | Filter.Gt(ticksField, ToTicks(order.AheadAfter));

    private static readonly FilterDefinition<BsonDocument> WithoutRows =
        Filter.Eq(HoursCovered, 0) & Filter.Eq(Quantities, new BsonDocument());

    /// <summary>
    /// Of the days <see cref="DailyUpsertFilter"/> refused, those the rules say replace the stored day, refused only because
    /// it was checked after their fetch: taken in order, as SQLite writes them, each replaces the day so far where the
    /// rules say so, and the last of them replaces the stored day, keeping the later check time. With each write, how many
    /// of the refused ones it stands for (the writes counted as written). The filter matches only the document as read,
    /// so a day replaced meanwhile is left to that write.
    /// </summary>
    public static IEnumerable<(ReplaceOneModel<BsonDocument> Write, int Replacing)> DailyTakeOvers(IEnumerable<BsonDocument> stored,
        IEnumerable<BsonDocument> refused, FetchTimeOrder order)
    {
        var storedDays = stored.Where(MongoSchema.HasValidVersion).ToDictionary(d => (d[StationId].AsString, ToDate(d[Date])));
        foreach (var day in refused.GroupBy(r => (r[StationId].AsString, ToDate(r[Date]))))
        {
            if (!storedDays.TryGetValue(day.Key, out var document))
                continue;
            var (replacement, replacing) = (document, 0);
            foreach (var write in day)
                if (Replaces(write, replacement, order))
                    (replacement, replacing) = (write, replacing + 1);
            if (replacing == 0)
                continue;
            var takeOver = replacement.DeepClone().AsBsonDocument;
            if (SourceCheckedAtOf(document) is var checkedAt && !order.NotOlder(FromTicks(replacement[SourceFetchedAtTicks]), checkedAt))
            {
                takeOver[SourceCheckedAt] = ToBson(checkedAt);
                takeOver[SourceCheckedAtTicks] = ToTicks(checkedAt);
            }
            yield return (new ReplaceOneModel<BsonDocument>(
                SameVersionAsRead(document)
                & Filter.Eq(SourceFetchId, document.GetValue(SourceFetchId, BsonNull.Value))
                & SameCheckAsRead(document), takeOver), replacing);
        }
    }

    /// <summary><see cref="DailyUpsertFilter"/>'s rule without the check time, between two day documents.</summary>
    private static bool Replaces(BsonDocument day, BsonDocument stored, FetchTimeOrder order)
    {
        var notOlder = day[AlgorithmVersion].AsInt32 > stored[AlgorithmVersion].AsInt32
            || (day[AlgorithmVersion].AsInt32 == stored[AlgorithmVersion].AsInt32
                && order.NotOlder(FromTicks(day[SourceFetchedAtTicks]), FromTicks(stored[SourceFetchedAtTicks])));
        return HasNoRows(day) ? HasNoRows(stored) && notOlder : HasNoRows(stored) || notOlder;
    }

    private static bool HasNoRows(BsonDocument day) =>
        day.TryGetValue(HoursCovered, out var hours) && hours.IsNumeric && hours.ToInt32() == 0
        && day.TryGetValue(Quantities, out var quantities) && quantities is BsonDocument { ElementCount: 0 };

    /// <summary>
    /// The days of <paramref name="batch"/> the source sent no row for, each with the latest fetch time that asked for it:
    /// the stored day, kept or just written, was checked then (see <see cref="StoredDailyAverage.SourceCheckedAt"/>).
    /// </summary>
    public static IReadOnlyDictionary<(string StationId, DateOnly Date), DateTimeOffset> DaysWithoutRows(
        IEnumerable<AveragesComputed> batch, FetchTimeOrder order)
    {
        var days = new Dictionary<(string, DateOnly), DateTimeOffset>();
        foreach (var averages in batch)
            foreach (var day in averages.Daily.Where(day => day.Coverage() == DayCoverage.MissingAtSource))
                days[(averages.StationId, day.Date)] = days.TryGetValue((averages.StationId, day.Date), out var latest)
                    ? order.Later(averages.SourceFetchedAt, latest)
                    : averages.SourceFetchedAt;
        return days;
    }

    /// <summary>The stored documents of these station-days.</summary>
    public static FilterDefinition<BsonDocument> StoredDays(IEnumerable<(string StationId, DateOnly Date)> days) =>
        Filter.Or(days.Select(day => DayKey(day.StationId, day.Date)));

    /// <summary>
    /// Each stored day of <paramref name="checkedAt"/> last checked before its time, rewritten with that check time. A whole
    /// replacement of the document as read rather than <c>$max</c>, because the MongoDB wire stand-in the tests run on here
    /// mangles binary ids under update operators. The filter matches only the document as read, its check time included
    /// (whatever a hand edit left there): a day another loader replaced or checked meanwhile matches nothing, and the store
    /// reads it again and decides again, so that a later check written first is never moved back.
    /// </summary>
    public static IEnumerable<ReplaceOneModel<BsonDocument>> DailyChecks(IEnumerable<BsonDocument> stored,
        IReadOnlyDictionary<(string StationId, DateOnly Date), DateTimeOffset> checkedAt, FetchTimeOrder order)
    {
        foreach (var document in stored.Where(MongoSchema.HasValidVersion))
        {
            var key = (document[StationId].AsString, ToDate(document[Date]));
            if (!checkedAt.TryGetValue(key, out var at) || order.NotOlder(SourceCheckedAtOf(document), at))
                continue;
            var replacement = document.DeepClone().AsBsonDocument;
            replacement[SourceCheckedAt] = ToBson(at);
            replacement[SourceCheckedAtTicks] = ToTicks(at);
            yield return new ReplaceOneModel<BsonDocument>(SameVersionAsRead(document) & SameCheckAsRead(document), replacement);
        }
    }

    /// <summary>The document read, while it still holds the check time it was read with (or still none).</summary>
    private static FilterDefinition<BsonDocument> SameCheckAsRead(BsonDocument document) =>
        document.TryGetValue(SourceCheckedAtTicks, out var ticks)
            ? Filter.Eq(SourceCheckedAtTicks, ticks)
            : Filter.Exists(SourceCheckedAtTicks, false);

    /// <summary>The document read, while it still holds the version and fetch time it was read with.</summary>
    private static FilterDefinition<BsonDocument> SameVersionAsRead(BsonDocument document) =>
        Filter.Eq(Id, document[Id])
        & Filter.Eq(AlgorithmVersion, document[AlgorithmVersion])
        & Filter.Eq(SourceFetchedAtTicks, document[SourceFetchedAtTicks]);

    private static FilterDefinition<BsonDocument> DayKey(string stationId, DateOnly date) =>
        Filter.Eq(StationId, (BsonValue)stationId) & Filter.Eq(Date, (BsonValue)ToBson(date));

    public static FilterDefinition<BsonDocument> HourlyUpsertFilter(AveragesComputed averages, DateTimeOffset hour, FetchTimeOrder order) =>
        Filter.Eq(StationId, (BsonValue)averages.StationId)
        & Filter.Eq(Hour, (BsonValue)ToBson(hour))
        & NotNewerThan(averages, order);

    private static FilterDefinition<BsonDocument> NotNewerThan(AveragesComputed averages, FetchTimeOrder order) =>
        Filter.Or(
            Filter.Lt(AlgorithmVersion, (BsonValue)averages.AlgorithmVersion),
            Filter.Eq(AlgorithmVersion, (BsonValue)averages.AlgorithmVersion)
            & NotLaterThan(SourceFetchedAtTicks, averages.SourceFetchedAt, order));

    public static InsertOneModel<BsonDocument> ArchiveInsert(RawReadingsFetched fetch) => new(MongoArchive.ToDocument(fetch));

    /// <summary>
    /// For an <see cref="ArchiveInsert"/> refused as already archived: the stored fetch takes its fetch time, where later in
    /// <paramref name="order"/>.
    /// The whole document is replaced, readings included (the same readings: the id is their hash), because the MongoDB
    /// wire stand-in the tests run on here mangles binary ids under <c>$set</c>.
    /// </summary>
    public static ReplaceOneModel<BsonDocument> ArchiveRefetched(WriteModel<BsonDocument> refusedInsert, FetchTimeOrder order)
    {
        var document = ((InsertOneModel<BsonDocument>)refusedInsert).Document;
        return new ReplaceOneModel<BsonDocument>(
            Filter.Eq(Id, document[Id]) & EarlierThan(FetchedAtTicks, FromTicks(document[FetchedAtTicks]), order), document);
    }

    /// <summary>Days from..to, both inclusive.</summary>
    public static FilterDefinition<BsonDocument> DailyRange(string stationId, DateOnly from, DateOnly to) =>
        Filter.Eq(StationId, (BsonValue)stationId)
        & Filter.Gte(Date, (BsonValue)ToBson(from))
        & Filter.Lte(Date, (BsonValue)ToBson(to));

    /// <summary>Hours in [from, to).</summary>
    public static FilterDefinition<BsonDocument> HourlyRange(string stationId, DateTimeOffset from, DateTimeOffset to) =>
        Filter.Eq(StationId, (BsonValue)stationId)
        & Filter.Gte(Hour, (BsonValue)ToBson(from))
        & Filter.Lt(Hour, (BsonValue)ToBson(to));

    /// <summary>Fetches whose window [window_start, window_end) overlaps [from, to).</summary>
    public static FilterDefinition<BsonDocument> RawFetchesOverlapping(string stationId, DateTimeOffset from, DateTimeOffset to) =>
        Filter.Eq(StationId, (BsonValue)stationId)
        & Filter.Lt(WindowStart, (BsonValue)ToBson(to))
        & Filter.Gt(WindowEnd, (BsonValue)ToBson(from));

    /// <summary>With a distinct on <c>station_id</c>: the stored stations, answered from the (station, date) key.</summary>
    public static readonly FilterDefinition<BsonDocument> AllDocuments = Filter.Empty;

    /// <summary>The stored documents with the keys (station and <paramref name="keyField"/>) of these replacements.</summary>
    public static FilterDefinition<BsonDocument> StoredKeys(IEnumerable<BsonDocument> replacements, string keyField) =>
        Filter.Or(replacements.Select(r => Filter.Eq(StationId, r[StationId]) & Filter.Eq(keyField, r[keyField])));

    public static FilterDefinition<BsonDocument> StationFilter(string stationId) => Filter.Eq(StationId, (BsonValue)stationId);

    /// <summary>The station's archived fetches made before <paramref name="instant"/>.</summary>
    public static FilterDefinition<BsonDocument> FetchedBefore(string stationId, DateTimeOffset instant) =>
        StationFilter(stationId) & Filter.Lt(FetchedAtTicks, (BsonValue)ToTicks(instant));

    /// <summary>With <see cref="StationFilter"/> and a limit of 1: the latest hour, read from the (station, hour) key.</summary>
    public static readonly SortDefinition<BsonDocument> LatestHourFirst = Sort.Descending(Hour);

    /// <summary>With <see cref="StationFilter"/> and a limit of 1: the latest fetch, read from <see cref="RawFetchesByStationFetchedAt"/>.</summary>
    public static readonly SortDefinition<BsonDocument> LatestFetchFirst = Sort.Descending(FetchedAtTicks);

    /// <summary>
    /// With <see cref="FetchedBefore"/> and a limit of 1: the fetch whose window ends last (the latest of those), read from
    /// <see cref="RawFetchesByStationWindowEnd"/>.
    /// </summary>
    public static readonly SortDefinition<BsonDocument> LatestWindowEndFirst = Sort.Descending(WindowEnd).Descending(FetchedAtTicks);

    public static readonly ProjectionDefinition<BsonDocument> WindowEndAndFetchedAtOnly =
        Builders<BsonDocument>.Projection.Include(WindowEnd).Include(FetchedAtTicks).Exclude(Id);

    public static readonly ProjectionDefinition<BsonDocument> HourOnly =
        Builders<BsonDocument>.Projection.Include(Hour).Exclude(Id);

    public static readonly ProjectionDefinition<BsonDocument> FetchedAtAndTimeZoneOnly =
        Builders<BsonDocument>.Projection.Include(FetchedAtTicks).Include(MongoSchema.TimeZone).Exclude(Id);

    public static readonly SortDefinition<BsonDocument> ByDate = Sort.Ascending(Date);
    public static readonly SortDefinition<BsonDocument> ByHour = Sort.Ascending(Hour);
    public static readonly SortDefinition<BsonDocument> ByWindowStartThenFetchedAt =
        Sort.Ascending(WindowStart).Ascending(FetchedAtTicks);

    public static readonly CreateIndexModel<BsonDocument> DailyKey = new(
        Keys.Ascending(StationId).Ascending(Date), new CreateIndexOptions { Unique = true });

    public static readonly CreateIndexModel<BsonDocument> HourlyKey = new(
        Keys.Ascending(StationId).Ascending(Hour), new CreateIndexOptions { Unique = true });

    /// <summary>Serves <see cref="RawFetchesOverlapping"/>; the fetch id is the <c>_id</c>, unique already.</summary>
    public static readonly CreateIndexModel<BsonDocument> RawFetchesByStationWindow = new(
        Keys.Ascending(StationId).Ascending(WindowStart).Ascending(FetchedAtTicks));

    /// <summary>Serves the last-fetch query without reading the archived readings.</summary>
    public static readonly CreateIndexModel<BsonDocument> RawFetchesByStationFetchedAt = new(
        Keys.Ascending(StationId).Descending(FetchedAtTicks));

    /// <summary>
    /// Serves the extractor's check for a gap before each scheduled run (<see cref="LatestWindowEndFirst"/>) from the index
    /// alone: without it the server read every archived fetch of the station, readings and all, once per station and run.
    /// </summary>
    public static readonly CreateIndexModel<BsonDocument> RawFetchesByStationWindowEnd = new(
        Keys.Ascending(StationId).Descending(WindowEnd).Descending(FetchedAtTicks));

    public static readonly BsonDocument Ping = new("ping", 1);

    public static readonly FilterDefinition<BsonDocument> LayoutDocument = Filter.Eq(Id, (BsonValue)Layout);

    /// <summary>
    /// With an upsert on <see cref="LayoutDocument"/>: records <paramref name="version"/>, never lowering one recorded by a
    /// later version that started meanwhile.
    /// </summary>
    public static UpdateDefinition<BsonDocument> RecordLayoutVersion(int version) =>
        Builders<BsonDocument>.Update.Max(LayoutVersion, version);
}
