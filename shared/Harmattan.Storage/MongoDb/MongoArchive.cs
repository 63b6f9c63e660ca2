using Harmattan.Contracts;
using Harmattan.Storage.Archive;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Harmattan.Storage.MongoDb;

/// <summary>
/// The archive's fields and queries beyond those the pipeline writes: each archived fetch carries
/// <c>readings_bytes</c>, the BSON size of its readings, so the archive's size is known without reading it.
/// </summary>
public static class MongoArchive
{
    public const string ReadingsBytes = "readings_bytes";

    private static readonly FilterDefinitionBuilder<BsonDocument> Filter = Builders<BsonDocument>.Filter;

    /// <summary>The archived document of a fetch: the pipeline's document plus <see cref="ReadingsBytes"/>.</summary>
    public static BsonDocument ToDocument(RawReadingsFetched fetch)
    {
        var document = MongoSchema.ToDocument(fetch);
        document.Add(ReadingsBytes, SizeOf(document[MongoSchema.Readings].AsBsonArray));
        return document;
    }

    /// <summary>The bytes a readings array takes as a BSON field (an int: a document is at most 16 MiB).</summary>
    public static int SizeOf(BsonArray readings) => new BsonDocument(MongoSchema.Readings, readings).ToBson().Length;

    public static readonly ProjectionDefinition<BsonDocument> FetchWithoutReadings = Builders<BsonDocument>.Projection
        .Include(MongoSchema.Id).Include(MongoSchema.StationId).Include(MongoSchema.WindowStart).Include(MongoSchema.WindowEnd)
        .Include(MongoSchema.TimeZone).Include(MongoSchema.FetchedAtTicks).Include(ReadingsBytes);

    public static readonly ProjectionDefinition<BsonDocument> ReadingsOnly =
        Builders<BsonDocument>.Projection.Include(MongoSchema.Id).Include(MongoSchema.Readings);

    public static FilterDefinition<BsonDocument> ById(IEnumerable<BsonValue> ids) => Filter.In(MongoSchema.Id, ids);

    /// <summary>The fetches of <paramref name="fetches"/> still at the fetch time listed (not fetched again since).</summary>
    public static FilterDefinition<BsonDocument> AsListed(IEnumerable<ArchivedFetch> fetches) => Filter.Or(fetches.Select(fetch =>
        Filter.Eq(MongoSchema.Id, (BsonValue)MongoSchema.ToBson(fetch.FetchId)) & Filter.Eq(MongoSchema.FetchedAtTicks, (BsonValue)MongoSchema.ToTicks(fetch.FetchedAt))));

    public static ArchivedFetch ToArchivedFetch(BsonDocument document, long readingsBytes) => new(
        MongoSchema.ToGuid(document[MongoSchema.Id]),
        document[MongoSchema.StationId].AsString,
        MongoSchema.ToInstant(document[MongoSchema.WindowStart]),
        MongoSchema.ToInstant(document[MongoSchema.WindowEnd]),
        document[MongoSchema.TimeZone].AsString,
        MongoSchema.FromTicks(document[MongoSchema.FetchedAtTicks]),
        readingsBytes);
}
