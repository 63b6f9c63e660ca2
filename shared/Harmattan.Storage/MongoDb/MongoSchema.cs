using System.Globalization;
using Harmattan.Contracts;
using MongoDB.Bson;

namespace Harmattan.Storage.MongoDb;

/// <summary>
/// The documents as an analyst sees them in mongosh or a BI tool: snake_case fields, BSON dates for
/// instants, standard UUIDs for fetch ids, and quantities as <c>{ co: { mean, min, max, count, rejected } }</c>.
/// </summary>
public static class MongoSchema
{
    public const string DailyAverages = "daily_averages";
    public const string HourlyAverages = "hourly_averages";
    public const string RawFetches = "raw_fetches";

    /// <summary>The store's metadata: one document, <c>{ _id: 'layout', schema_version: 1 }</c>.</summary>
    public const string StoreInfo = "store_info";
    public const string Layout = "layout";
    public const string LayoutVersion = "schema_version";

    public const string Id = "_id";
    public const string StationId = "station_id";
    public const string Date = "date";
    public const string Hour = "hour";
    public const string TimeZone = "time_zone";
    public const string HoursCovered = "hours_covered";
    public const string HoursInDay = "hours_in_day";
    public const string Completeness = "completeness";
    public const string IsComplete = "is_complete";
    public const string Quantities = "quantities";
    public const string AlgorithmVersion = "algorithm_version";
    public const string SourceFetchId = "source_fetch_id";
    public const string SourceFetchedAt = "source_fetched_at";
    public const string SourceFetchedAtTicks = "source_fetched_at_ticks";
    public const string SourceCheckedAt = "source_checked_at";
    public const string SourceCheckedAtTicks = "source_checked_at_ticks";
    public const string WindowStart = "window_start";
    public const string WindowEnd = "window_end";
    public const string Source = "source";
    public const string FetchedAt = "fetched_at";
    public const string FetchedAtTicks = "fetched_at_ticks";
    public const string Readings = "readings";
    public const string Values = "values";

    public const string Mean = "mean";
    public const string Min = "min";
    public const string Max = "max";
    public const string Count = "count";
    public const string Rejected = "rejected";

    /// <summary>
    /// A day is stored as a BSON date at 00:00 UTC rather than a "yyyy-MM-dd" string: BI tools then treat the
    /// field as a date (time axes, month buckets) and mongosh ranges read naturally
    /// (<c>date: { $gte: ISODate("2024-03-01") }</c>). It labels the calendar day in the station's
    /// <c>time_zone</c>; it is not the instant the day started there.
    /// </summary>
    public static BsonDateTime ToBson(DateOnly date) =>
        new(date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc));

    /// <summary>BSON dates hold milliseconds; finer ticks are dropped (see <see cref="ToTicks"/>).</summary>
    public static BsonDateTime ToBson(DateTimeOffset instant) => new(instant.UtcDateTime);

    /// <summary>
    /// Fetch instants are also kept as UTC .NET ticks (100 ns): the no-regression rule and replays compare them
    /// exactly, as the SQLite store does, while the BSON date beside them is what people query.
    /// </summary>
    public static BsonInt64 ToTicks(DateTimeOffset instant) => new(instant.UtcTicks);

    public static DateTimeOffset FromTicks(BsonValue ticks) => new(ticks.AsInt64, TimeSpan.Zero);

    public static BsonBinaryData ToBson(Guid id) => new(id, GuidRepresentation.Standard);

    public static DateOnly ToDate(BsonValue value) => DateOnly.FromDateTime(value.ToUniversalTime());

    public static DateTimeOffset ToInstant(BsonValue value) => new(value.ToUniversalTime(), TimeSpan.Zero);

    /// <summary>
    /// Whether a stored average carries the version the no-regression filters compare; one without it (written by
    /// hand or by another tool) matches no filter, so every later write of its key is refused.
    /// </summary>
    public static bool HasValidVersion(BsonDocument document) =>
        document.TryGetValue(AlgorithmVersion, out var version) && version.IsInt32
        && document.TryGetValue(SourceFetchedAtTicks, out var ticks) && ticks.IsInt64;

    /// <summary>A stored day (yyyy-MM-dd) or hour (ISO 8601, UTC) as a log line shows it; a malformed value as BSON.</summary>
    public static string Describe(string keyField, BsonValue key) => key.IsValidDateTime
        ? key.ToUniversalTime().ToString(keyField == Date ? "yyyy-MM-dd" : "yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture)
        : key.ToString() ?? "";

    /// <summary>The store schema a layout document records; 0 for a database written before it was recorded.</summary>
    public static long LayoutVersionOf(BsonDocument? layout) =>
        layout is not null && layout.TryGetValue(LayoutVersion, out var version) && version.IsNumeric ? version.ToInt64() : 0;

    public static Guid ToGuid(BsonValue value) => value.AsBsonBinaryData.ToGuid(GuidRepresentation.Standard);

    /// <summary>A day's document, without _id (the server assigns an ObjectId on insert and keeps it on replace).</summary>
    public static BsonDocument ToDocument(AveragesComputed source, DailyAverage day) => new()
    {
        { StationId, source.StationId },
        { Date, ToBson(day.Date) },
        { TimeZone, source.TimeZone },
        { HoursCovered, day.HoursCovered },
        { HoursInDay, day.HoursInDay },
        { Completeness, day.Completeness },
        { IsComplete, day.IsComplete },
        { Quantities, ToBson(day.Quantities) },
        { AlgorithmVersion, source.AlgorithmVersion },
        { SourceFetchId, ToBson(source.SourceFetchId) },
        { SourceFetchedAt, ToBson(source.SourceFetchedAt) },
        { SourceFetchedAtTicks, ToTicks(source.SourceFetchedAt) },
        { SourceCheckedAt, ToBson(source.SourceFetchedAt) },
        { SourceCheckedAtTicks, ToTicks(source.SourceFetchedAt) },
    };

    /// <summary>An hour's document, without _id.</summary>
    public static BsonDocument ToDocument(AveragesComputed source, HourlyAverage hour) => new()
    {
        { StationId, source.StationId },
        { Hour, ToBson(hour.Hour) },
        { Quantities, ToBson(hour.Quantities) },
        { AlgorithmVersion, source.AlgorithmVersion },
        { SourceFetchId, ToBson(source.SourceFetchId) },
        { SourceFetchedAt, ToBson(source.SourceFetchedAt) },
        { SourceFetchedAtTicks, ToTicks(source.SourceFetchedAt) },
    };

    public static BsonDocument ToDocument(RawReadingsFetched fetch) => new()
    {
        { Id, ToBson(fetch.FetchId) },
        { StationId, fetch.StationId },
        { WindowStart, ToBson(fetch.WindowStart) },
        { WindowEnd, ToBson(fetch.WindowEnd) },
        { TimeZone, fetch.TimeZone },
        { Source, fetch.Source },
        { FetchedAt, ToBson(fetch.FetchedAt) },
        { FetchedAtTicks, ToTicks(fetch.FetchedAt) },
        { Readings, new BsonArray(fetch.Readings.Select(ToBson)) },
    };

    public static StoredDailyAverage ToDailyAverage(BsonDocument document) => new()
    {
        StationId = document[StationId].AsString,
        Date = ToDate(document[Date]),
        HoursCovered = document[HoursCovered].ToInt32(),
        HoursInDay = document[HoursInDay].ToInt32(),
        Completeness = document[Completeness].ToDouble(),
        IsComplete = document[IsComplete].ToBoolean(),
        Quantities = ToQuantities(document[Quantities].AsBsonDocument),
        AlgorithmVersion = document[AlgorithmVersion].ToInt32(),
        SourceFetchId = ToGuid(document[SourceFetchId]),
        SourceFetchedAt = FromTicks(document[SourceFetchedAtTicks]),
        TimeZone = document.TryGetValue(TimeZone, out var zone) && zone.IsString ? zone.AsString : null,
        SourceCheckedAt = SourceCheckedAtOf(document),
    };

    /// <summary>
    /// A day's <see cref="StoredDailyAverage.SourceCheckedAt"/>, from the two fields alone (a document edited by hand may
    /// lack others); a document stored before days recorded it was last checked by its own fetch. The check is earlier
    /// than the fetch only where the fetch was stamped by a clock that ran ahead (see <see cref="FetchTimeOrder"/>).
    /// </summary>
    public static DateTimeOffset SourceCheckedAtOf(BsonDocument document) =>
        document.TryGetValue(SourceCheckedAtTicks, out var ticks) && ticks.IsInt64
            ? FromTicks(ticks)
            : FromTicks(document[SourceFetchedAtTicks]);

    public static StoredHourlyAverage ToHourlyAverage(BsonDocument document) => new()
    {
        StationId = document[StationId].AsString,
        Hour = ToInstant(document[Hour]),
        Quantities = ToQuantities(document[Quantities].AsBsonDocument),
        AlgorithmVersion = document[AlgorithmVersion].ToInt32(),
        SourceFetchId = ToGuid(document[SourceFetchId]),
        SourceFetchedAt = FromTicks(document[SourceFetchedAtTicks]),
    };

    public static RawReadingsFetched ToRawFetch(BsonDocument document) => new()
    {
        FetchId = ToGuid(document[Id]),
        StationId = document[StationId].AsString,
        WindowStart = ToInstant(document[WindowStart]),
        WindowEnd = ToInstant(document[WindowEnd]),
        TimeZone = document[TimeZone].AsString,
        Source = document[Source].AsString,
        FetchedAt = FromTicks(document[FetchedAtTicks]),
        Readings = document[Readings].AsBsonArray.Select(r => ToReading(r.AsBsonDocument)).ToList(),
    };

    private static BsonDocument ToBson(IReadOnlyDictionary<string, QuantityStats> quantities) =>
        new(quantities.Select(q => new BsonElement(q.Key, ToBson(q.Value))));

    private static BsonDocument ToBson(QuantityStats stats) => new()
    {
        { Mean, ToBson(stats.Mean) },
        { Min, ToBson(stats.Min) },
        { Max, ToBson(stats.Max) },
        { Count, stats.Count },
        { Rejected, stats.Rejected },
    };

    private static BsonDocument ToBson(RawReading reading) => new()
    {
        { Hour, ToBson(reading.Hour) },
        { Values, new BsonDocument(reading.Values.Select(v => new BsonElement(v.Key, ToBson(v.Value)))) },
    };

    private static BsonValue ToBson(double? value) => value is { } number ? new BsonDouble(number) : BsonNull.Value;

    private static Dictionary<string, QuantityStats> ToQuantities(BsonDocument quantities) =>
        quantities.ToDictionary(q => q.Name, q => ToQuantityStats(q.Value.AsBsonDocument));

    private static QuantityStats ToQuantityStats(BsonDocument stats) => new()
    {
        Mean = ToNullableDouble(stats[Mean]),
        Min = ToNullableDouble(stats[Min]),
        Max = ToNullableDouble(stats[Max]),
        Count = stats[Count].ToInt32(),
        Rejected = stats[Rejected].ToInt32(),
    };

    private static RawReading ToReading(BsonDocument reading) => new()
    {
        Hour = ToInstant(reading[Hour]),
        Values = reading[Values].AsBsonDocument.ToDictionary(v => v.Name, v => ToNullableDouble(v.Value)),
    };

    private static double? ToNullableDouble(BsonValue value) => value.IsBsonNull ? null : value.ToDouble();
}
