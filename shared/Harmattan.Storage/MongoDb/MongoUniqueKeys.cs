using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Serializers;
using MongoDB.Driver;

namespace Harmattan.Storage.MongoDb;

/// <summary>
/// The no-regression rule rests on the unique (station, date) and (station, hour) indexes: without them an upsert whose
/// version condition matches nothing inserts a second document for the key instead of being refused. So the loader
/// checks at start that both exist and are unique, and writes nothing until they do.
/// </summary>
public static class MongoUniqueKeys
{
    private static readonly RenderArgs<BsonDocument> Args = new(BsonDocumentSerializer.Instance, BsonSerializer.SerializerRegistry);

    public static readonly IReadOnlyList<(string Collection, CreateIndexModel<BsonDocument> Index)> All =
    [
        (MongoSchema.DailyAverages, MongoCommands.DailyKey),
        (MongoSchema.HourlyAverages, MongoCommands.HourlyKey),
    ];

    public static BsonDocument Keys(CreateIndexModel<BsonDocument> index) => index.Keys.Render(Args);

    /// <summary>The server's default name for the index, e.g. <c>station_id_1_date_1</c>.</summary>
    public static string Name(CreateIndexModel<BsonDocument> index) =>
        string.Join('_', Keys(index).Select(key => $"{key.Name}_{key.Value}"));

    /// <summary>Null when <paramref name="indexes"/> (the <c>listIndexes</c> answer) holds a unique index on the keys; otherwise what is wrong and the fix.</summary>
    public static string? Problem(string collection, CreateIndexModel<BsonDocument> index, IEnumerable<BsonDocument> indexes)
    {
        var keys = Keys(index);
        var onKeys = indexes.Where(i => i.TryGetValue("key", out var key) && key is BsonDocument document && document.Equals(keys)).ToList();
        if (onKeys.Any(i => i.TryGetValue("unique", out var unique) && unique.ToBoolean()))
            return null;
        return onKeys.Count == 0
            ? $"collection {collection} has no index {Name(index)}. {Fix(collection, index)}"
            : $"collection {collection} has an index on {keys} that is not unique. {Fix(collection, index)}";
    }

    public static string CreationFailed(string collection, CreateIndexModel<BsonDocument> index, string reason) =>
        $"creating the unique index {Name(index)} on collection {collection} failed: {reason}. {Fix(collection, index)}";

    private static string Fix(string collection, CreateIndexModel<BsonDocument> index)
    {
        var keys = Keys(index);
        var group = string.Join(", ", keys.Names.Select(name => $"{name}: \"${name}\""));
        return $"The no-regression rule needs it: until it exists the loader writes nothing and is not ready. Fix: in mongosh, " +
            $"find the duplicates with db.{collection}.aggregate([{{ $group: {{ _id: {{ {group} }}, n: {{ $sum: 1 }} }} }}, {{ $match: {{ n: {{ $gt: 1 }} }} }}]), " +
            $"keep the newest document of each key, drop any non-unique index on these keys (db.{collection}.dropIndex(\"{Name(index)}\")); " +
            "the loader creates the index on its next attempt (readiness checks retry it).";
    }
}
