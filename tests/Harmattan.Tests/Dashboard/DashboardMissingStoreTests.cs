using System.Net;
using Harmattan.Dashboard;
using Harmattan.Storage.Sqlite;

namespace Harmattan.Tests.Dashboard;

/// <summary>
/// The dashboard service over a SQLite path that holds no store (a mistyped ConnectionStrings__Sqlite, a volume mounted
/// elsewhere, the dashboard started before the loader): not ready and a 503, never an empty dashboard over a store it
/// created itself.
/// </summary>
public sealed class DashboardMissingStoreTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"harmattan-dashboard-missing-{Guid.NewGuid():N}");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string StorePath => Path.Combine(_folder, "harmatan.db");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
            Directory.Delete(_folder, recursive: true);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("empty")]
    [InlineData("without a table")]
    public async Task A_path_without_a_store_is_not_ready_and_a_503_and_the_dashboard_creates_nothing_there(string file)
    {
        if (file != "none")
        {
            Directory.CreateDirectory(_folder);
            await File.WriteAllBytesAsync(StorePath, [], Ct);
        }
        if (file == "without a table")
        {
            // What `sqlite3 harmatan.db "PRAGMA user_version = 1"` leaves: a database of one page, no table in it.
            await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={StorePath};Pooling=False");
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 1";
            await command.ExecuteNonQueryAsync(Ct);
        }
        var bytes = File.Exists(StorePath) ? new FileInfo(StorePath).Length : -1;
        using var store = new SqlitePipelineStore($"Data Source={StorePath}");
        var logs = new LogCapture();
        await using var site = await DashboardSite.StartAsync(store, Ct, logs);

        using var ready = await site.Client.GetAsync("health/ready", Ct);
        using var stations = await site.Client.GetAsync("api/stations", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("Unhealthy\npipeline-store: Unhealthy\n", await ready.Content.ReadAsStringAsync(Ct));
        Assert.Contains($"no store at {StorePath}: check ConnectionStrings__Sqlite; the loader creates the store when it starts", logs.Text);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, stations.StatusCode);
        Assert.Equal("10", stations.Headers.RetryAfter?.ToString());
        // The exception handler clears the headers before it writes the problem: the page's protections are set again.
        Assert.Equal(DashboardRegistration.ContentSecurityPolicy, stations.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("nosniff", stations.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal(file != "none", Directory.Exists(_folder));
        Assert.Equal(bytes, File.Exists(StorePath) ? new FileInfo(StorePath).Length : -1);
        Assert.False(File.Exists(StorePath + "-wal"));
    }
}
