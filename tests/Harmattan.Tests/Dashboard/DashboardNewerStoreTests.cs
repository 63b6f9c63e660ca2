using System.Net;
using System.Text.Json;
using Harmattan.Dashboard;
using Harmattan.Storage;
using Harmattan.Storage.MongoDb;
using Harmattan.Storage.Sqlite;
using Harmattan.Tests.Storage;
using Microsoft.Extensions.Logging;
using MongoDB.Bson;
using static Harmattan.Tests.Dashboard.DashboardSite;

namespace Harmattan.Tests.Dashboard;

/// <summary>
/// The dashboard over a store written by a newer version of Harmattan: its API refuses to answer from a store it may
/// misread, with the store's own words on what to do, rather than show what it reads of it.
/// </summary>
public sealed class DashboardNewerStoreTests : IAsyncLifetime
{
    /// <summary>Every endpoint, with parameters good and bad, for a station known and unknown: none is answered.</summary>
    private static readonly string[] Endpoints =
    [
        "api/stations",
        $"api/stations/{Smart188}/daily",
        $"api/stations/{Smart188}/daily?from=2023-06-01&to=2023-06-10",
        $"api/stations/{Smart188}/daily?from=yesterday",
        $"api/stations/{Smart188}/hourly?date=2023-06-01",
        "api/stations/283164602/hourly?date=2023-06-01",
    ];

    public static TheoryData<string> EveryEndpoint => [.. Endpoints];

    private readonly string _path = Path.Combine(Path.GetTempPath(), $"harmattan-dashboard-newer-{Guid.NewGuid():N}.db");
    private SqlitePipelineStore? _store;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        _store?.Dispose();
        TemporarySqliteDatabase.Delete(_path);
        return ValueTask.CompletedTask;
    }

    [Theory]
    [MemberData(nameof(EveryEndpoint))]
    public async Task Every_api_endpoint_on_a_newer_sqlite_store_is_a_503_problem_saying_to_run_a_newer_dashboard_and_logging_the_refusal(string path)
    {
        var logs = new LogCapture();
        await using var site = await DashboardSite.StartAsync(await NewerSqliteStoreAsync(), Ct, logs);

        using var response = await site.Client.GetAsync(path, Ct);

        await AssertNewerStoreProblemAsync(response, NewerStoreFile.Refusal(_path));
        var logged = Assert.Single(logs.Entries, entry => entry.Level >= LogLevel.Warning);
        Assert.Equal(LogLevel.Warning, logged.Level);
        Assert.Equal($"GET /{path.Split('?')[0]} answered 503: {NewerStoreFile.Refusal(_path)}", logged.Message);
    }

    [Fact]
    public async Task The_store_version_is_asked_once_per_interval_so_an_upgrade_while_running_is_refused_and_a_restore_answered_within_it()
    {
        _store = await SeededSqliteStoreAsync();
        await using var site = await DashboardSite.StartAsync(_store, Ct);
        using (var answered = await site.Client.GetAsync("api/stations", Ct))
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);

        // A newer loader upgrades the file while the dashboard runs: the version asked a moment ago still holds.
        await NewerStoreFile.MarkAsync(_path, Ct);
        site.Time.Advance(StoreVersionGate.CheckInterval - TimeSpan.FromSeconds(1));
        using (var stillAnswered = await site.Client.GetAsync("api/stations", Ct))
            Assert.Equal(HttpStatusCode.OK, stillAnswered.StatusCode);

        site.Time.Advance(TimeSpan.FromSeconds(1));
        using (var refused = await site.Client.GetAsync("api/stations", Ct))
            await AssertNewerStoreProblemAsync(refused, NewerStoreFile.Refusal(_path));

        // Restored to a store of this version: answered again once the next check has seen it.
        await NewerStoreFile.RecordAsync(_path, SqlitePipelineStore.SchemaVersion, Ct);
        using (var stillRefused = await site.Client.GetAsync($"api/stations/{Smart188}/daily", Ct))
            Assert.Equal(HttpStatusCode.ServiceUnavailable, stillRefused.StatusCode);
        site.Time.Advance(StoreVersionGate.CheckInterval);
        using (var answeredAgain = await site.Client.GetAsync($"api/stations/{Smart188}/daily", Ct))
            Assert.Equal(HttpStatusCode.OK, answeredAgain.StatusCode);
    }

    [Fact]
    public async Task Mongo_every_api_endpoint_on_a_newer_database_is_a_503_problem_naming_it_both_versions_and_the_fix()
    {
        var client = MongoTestServer.CreateClient(await MongoTestServer.RequireAsync());
        var databaseName = MongoTestServer.FreshDatabaseName();
        try
        {
            var store = new MongoPipelineStore(client, databaseName);
            await store.InitializeAsync(Ct);
            await SeedAsync(store, Ct);
            var newer = MongoPipelineStore.SchemaVersion + 1;
            await client.GetDatabase(databaseName).GetCollection<BsonDocument>(MongoSchema.StoreInfo).ReplaceOneAsync(
                new BsonDocument(MongoSchema.Id, MongoSchema.Layout),
                new BsonDocument { { MongoSchema.Id, MongoSchema.Layout }, { MongoSchema.LayoutVersion, newer } }, cancellationToken: Ct);
            await using var site = await DashboardSite.StartAsync(store, Ct);

            foreach (var path in Endpoints)
            {
                using var response = await site.Client.GetAsync(path, Ct);
                await AssertNewerStoreProblemAsync(response,
                    $"database {databaseName} of {store.Location} was written by a newer version of Harmattan (store schema {newer}; " +
                    $"this version knows up to {MongoPipelineStore.SchemaVersion}) and was left as it is: run the version that wrote it, " +
                    "or a later one, or restore a dump taken before the upgrade with mongorestore");
            }
        }
        finally
        {
            await client.DropDatabaseAsync(databaseName, CancellationToken.None);
            client.Dispose();
        }
    }

    [Fact]
    public async Task Mongo_a_database_without_the_store_is_a_503_to_try_again_not_an_empty_dashboard_until_the_loader_creates_it()
    {
        var client = MongoTestServer.CreateClient(await MongoTestServer.RequireAsync());
        var databaseName = MongoTestServer.FreshDatabaseName();
        try
        {
            var logs = new LogCapture();
            await using var site = await DashboardSite.StartAsync(new MongoPipelineStore(client, databaseName), Ct, logs);

            // A misspelt Storage__MongoDatabase, or the loader not started yet: never "no station has data yet".
            foreach (var path in new[] { "api/stations", "api/stations/283164601/daily", "api/stations/283164601/hourly?date=2023-11-01" })
            {
                using var refused = await site.Client.GetAsync(path, Ct);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
                Assert.Equal("10", refused.Headers.RetryAfter?.ToString());
                Assert.Contains("does not exist yet or cannot be used", await refused.Content.ReadAsStringAsync(Ct));
            }
            Assert.Contains(logs.Entries, entry => entry.Message.Contains($"database {databaseName} of MongoDB at", StringComparison.Ordinal)
                && entry.Message.Contains("holds none of the store's collections: check Storage__MongoDatabase", StringComparison.Ordinal));

            await new MongoPipelineStore(client, databaseName).InitializeAsync(Ct);
            site.Time.Advance(StoreVersionGate.CheckInterval);
            using var response = await site.Client.GetAsync("api/stations", Ct);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
            Assert.All(json.RootElement.GetProperty("stations").EnumerateArray(),
                station => Assert.Equal(JsonValueKind.Null, station.GetProperty("lastHour").ValueKind));
        }
        finally
        {
            await client.DropDatabaseAsync(databaseName, CancellationToken.None);
            client.Dispose();
        }
    }

    private static async Task AssertNewerStoreProblemAsync(HttpResponseMessage response, string refusal)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        // Nothing changes until someone runs the newer version or restores: no time to try again in.
        Assert.Null(response.Headers.RetryAfter);
        Assert.True(response.Headers.CacheControl?.NoCache);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(503, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal(StoreUnavailableHandler.NewerStoreTitle, problem.RootElement.GetProperty("title").GetString());
        var detail = problem.RootElement.GetProperty("detail").GetString();
        Assert.Equal(StoreUnavailableHandler.NewerStoreDetail, detail);
        // The refusal names the store's file or hosts: for the log, not for the unauthenticated page.
        Assert.DoesNotContain(refusal.Split(" was written")[0], detail);
    }

    private async Task<SqlitePipelineStore> SeededSqliteStoreAsync()
    {
        var store = new SqlitePipelineStore($"Data Source={_path}");
        await store.InitializeAsync(Ct);
        await SeedAsync(store, Ct);
        return store;
    }

    /// <summary>The seeded store as a newer version leaves it, opened afresh as the dashboard's host opens it.</summary>
    private async Task<IPipelineStore> NewerSqliteStoreAsync()
    {
        (await SeededSqliteStoreAsync()).Dispose();
        await NewerStoreFile.MarkAsync(_path, Ct);
        return _store = new SqlitePipelineStore($"Data Source={_path}");
    }
}
