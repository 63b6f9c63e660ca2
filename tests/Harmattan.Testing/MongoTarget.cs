using Harmattan.Storage.MongoDb;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Harmattan.Testing;

/// <summary>
/// What answers at a MongoDB URI, said in every Mongo test's and benchmark's output, so that a result on the MongoDB
/// wire stand-in (<c>HARMATTAN_MONGO_TARGET=standin</c>, set by tests/run.sh) is never read as a result on MongoDB.
/// </summary>
public static class MongoTarget
{
    public const string StandInVariable = "HARMATTAN_MONGO_TARGET";

    /// <summary>True when tests/run.sh pointed the tests at the MongoDB wire stand-in rather than a MongoDB server.</summary>
    public static bool IsStandIn =>
        string.Equals(Environment.GetEnvironmentVariable(StandInVariable), "standin", StringComparison.OrdinalIgnoreCase);

    /// <summary>"MongoDB 8.0.4 (replica set rs0)", or "MongoDB wire stand-in, NOT MongoDB ..." when that is what answers.</summary>
    public static async Task<string> DescribeAsync(string connectionString)
    {
        using var client = new MongoClient(MongoRegistration.ClientSettings(connectionString));
        var buildInfo = await client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("buildInfo", 1));
        var version = buildInfo.GetValue("version", "unknown").ToString();
        if (IsStandIn)
            return $"MongoDB wire stand-in, NOT MongoDB (it answers buildInfo as {version}; no replica set, write concern or failover)";
        var replicaSet = MongoUrl.Create(connectionString).ReplicaSetName;
        return replicaSet is null ? $"MongoDB {version}" : $"MongoDB {version} (replica set {replicaSet})";
    }
}
