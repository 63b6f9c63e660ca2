using System.Net;
using System.Text.Json;
using Harmattan.Dashboard;
using Harmattan.Storage.MongoDb;
using Harmattan.Tests.Storage;
using Microsoft.Extensions.Logging;
using MongoDB.Driver;

namespace Harmattan.Tests.Dashboard;

/// <summary>
/// The dashboard over a MongoDB store that accepts connections and never answers (a silent TCP listener: no server
/// needed), as its probes and its users see it.
/// </summary>
public sealed class DashboardUnansweringStoreTests : IDisposable
{
    /// <summary>The readiness probes' timeoutSeconds in deploy/k8s and docker-compose.yml.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly UnansweringMongoServer _server = UnansweringMongoServer.Silent();
    private readonly MongoClient _client;

    public DashboardUnansweringStoreTests() => _client = new MongoClient(MongoRegistration.ClientSettings(_server.ConnectionString));

    public void Dispose()
    {
        _client.Dispose();
        _server.Dispose();
    }

    [Fact]
    public async Task Readiness_is_unhealthy_before_the_probe_gives_up_and_the_log_names_MongoDB_and_its_host()
    {
        // Storage:MongoOperationTimeout at its default (30 s): the readiness check must not wait for it.
        var logs = new LogCapture();
        await using var site = await DashboardSite.StartAsync(new MongoPipelineStore(_client, "harmattan"), Ct, logs);
        using var probe = new HttpClient { BaseAddress = site.Address, Timeout = ProbeTimeout };

        using var response = await probe.GetAsync("health/ready", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        // The dashboard's port is public: the answer names the check, the log its reason.
        var answer = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains("pipeline-store: Unhealthy", answer);
        Assert.DoesNotContain(_server.Host, answer);
        Assert.Contains($"the pipeline store is not readable: MongoDB at {_server.Host} did not answer within 3 s", logs.Text);
    }

    [Theory]
    [InlineData("api/stations")]
    [InlineData($"api/stations/{DashboardSite.Smart188}/daily")]
    [InlineData($"api/stations/{DashboardSite.Smart188}/hourly?date=2023-06-01")]
    public async Task An_api_request_the_store_does_not_answer_is_a_503_problem_logged_once_naming_the_store(string path)
    {
        var logs = new LogCapture();
        var store = new MongoPipelineStore(_client, "harmattan", operationTimeout: TimeSpan.FromSeconds(1));
        await using var site = await DashboardSite.StartAsync(store, Ct, logs);

        using var response = await site.Client.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(StoreUnavailableHandler.RetryAfterSeconds), response.Headers.RetryAfter?.Delta);
        var body = await response.Content.ReadAsStringAsync(Ct);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal(503, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("The store did not answer", problem.RootElement.GetProperty("title").GetString());
        Assert.DoesNotContain(_server.Host, body);

        var logged = Assert.Single(logs.Entries, entry => entry.Level >= LogLevel.Warning);
        Assert.Equal(LogLevel.Warning, logged.Level);
        Assert.StartsWith($"GET /{path.Split('?')[0]} answered 503: MongoDB at {_server.Host} did not answer ", logged.Message);
        Assert.Contains("(Storage:MongoOperationTimeout)", logged.Message);
    }
}
