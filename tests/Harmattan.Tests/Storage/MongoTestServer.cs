using System.Net.Sockets;
using Harmattan.Storage.MongoDb;
using MongoDB.Bson;
using MongoDB.Driver;
using Testcontainers.MongoDb;

namespace Harmattan.Tests.Storage;

/// <summary>
/// The MongoDB server the Mongo tests run against: <c>ConnectionStrings__MongoDb</c> when set, otherwise a
/// Testcontainers replica set when a Docker daemon answers, otherwise none (and the tests report why).
/// Every test that uses it writes its target to its output, so that a pass on the MongoDB wire stand-in
/// (<c>HARMATTAN_MONGO_TARGET=standin</c>, set by tests/run.sh) is never read as a pass on MongoDB.
/// </summary>
public static class MongoTestServer
{
    public const string SkipReason =
        "MongoDB tests skipped: set ConnectionStrings__MongoDb=mongodb://host:27017/?replicaSet=rs0 "
        + "or run where a Docker daemon is available (Testcontainers.MongoDb).";

    public const string StandInTargetVariable = "HARMATTAN_MONGO_TARGET";

    private static readonly Lazy<Task<string?>> ConnectionString = new(FindAsync);
    private static readonly Lazy<Task<string>> Target = new(DescribeTargetAsync);

    /// <summary>Skips the calling test when no server is available; returns the server's URI otherwise.</summary>
    public static async Task<string> RequireAsync()
    {
        var connectionString = await ConnectionString.Value;
        Assert.SkipWhen(connectionString is null, SkipReason);
        TestContext.Current.TestOutputHelper?.WriteLine($"MongoDB target: {await Target.Value}");
        return connectionString!;
    }

    /// <summary>True when tests/run.sh pointed the tests at the MongoDB wire stand-in rather than a MongoDB server.</summary>
    public static bool IsStandIn =>
        string.Equals(Environment.GetEnvironmentVariable(StandInTargetVariable), "standin", StringComparison.OrdinalIgnoreCase);

    /// <summary>"MongoDB 8.0.4 (replica set rs0)", or "MongoDB wire stand-in ..." when that is what answers.</summary>
    private static async Task<string> DescribeTargetAsync()
    {
        var connectionString = (await ConnectionString.Value)!;
        using var client = CreateClient(connectionString);
        var buildInfo = await client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("buildInfo", 1));
        var version = buildInfo.GetValue("version", "unknown").ToString();
        if (IsStandIn)
            return $"MongoDB wire stand-in, NOT MongoDB (it answers buildInfo as {version}; no replica set, write concern or failover)";
        var replicaSet = MongoUrl.Create(connectionString).ReplicaSetName;
        return replicaSet is null ? $"MongoDB {version}" : $"MongoDB {version} (replica set {replicaSet})";
    }

    /// <summary>A client configured as in production, as a separate loader process would have.</summary>
    public static IMongoClient CreateClient(string connectionString) =>
        new MongoClient(MongoRegistration.ClientSettings(connectionString));

    public static string FreshDatabaseName() => $"harmattan_test_{Guid.NewGuid():N}";

    private static async Task<string?> FindAsync()
    {
        var configured = Environment.GetEnvironmentVariable("ConnectionStrings__MongoDb");
        if (!string.IsNullOrWhiteSpace(configured))
            return configured;
        if (!await DockerAnswersAsync())
            return null;

        var container = new MongoDbBuilder("mongo:8.0").WithReplicaSet("rs0").Build();
        await container.StartAsync();
        // Testcontainers' resource reaper removes the container when the test process ends.
        return container.GetConnectionString();
    }

    private static async Task<bool> DockerAnswersAsync()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_HOST")))
            return true;
        const string socketPath = "/var/run/docker.sock";
        if (!File.Exists(socketPath))
            return false;
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
