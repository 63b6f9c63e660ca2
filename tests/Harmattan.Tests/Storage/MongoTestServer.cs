using System.Net.Sockets;
using Harmattan.Storage.MongoDb;
using MongoDB.Driver;
using Testcontainers.MongoDb;

namespace Harmattan.Tests.Storage;

/// <summary>
/// The MongoDB server the Mongo tests run against: <c>ConnectionStrings__MongoDb</c> when set, otherwise a
/// Testcontainers replica set when a Docker daemon answers, otherwise none (and the tests report why).
/// Every test that uses it writes its target to its output (<see cref="MongoTarget"/>).
/// </summary>
public static class MongoTestServer
{
    public const string SkipReason =
        "MongoDB tests skipped: set ConnectionStrings__MongoDb=mongodb://host:27017/?replicaSet=rs0 "
        + "or run where a Docker daemon is available (Testcontainers.MongoDb).";

    private static readonly Lazy<Task<string?>> ConnectionString = new(FindAsync);
    private static readonly Lazy<Task<string>> Target = new(async () => await MongoTarget.DescribeAsync((await ConnectionString.Value)!));

    /// <summary>Skips the calling test when no server is available; returns the server's URI otherwise.</summary>
    public static async Task<string> RequireAsync()
    {
        var connectionString = await ConnectionString.Value;
        Assert.SkipWhen(connectionString is null, SkipReason);
        TestContext.Current.TestOutputHelper?.WriteLine($"MongoDB target: {await Target.Value}");
        return connectionString!;
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
