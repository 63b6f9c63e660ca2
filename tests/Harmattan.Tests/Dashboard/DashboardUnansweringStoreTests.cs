using System.Net;
using Harmattan.Dashboard;
using Harmattan.Storage.MongoDb;
using Harmattan.Tests.Storage;
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
    public async Task Readiness_is_unhealthy_naming_MongoDB_and_its_host_before_the_probe_gives_up()
    {
        // Storage:MongoOperationTimeout at its default (30 s): the readiness check must not wait for it.
        await using var site = await DashboardSite.StartAsync(new MongoPipelineStore(_client, "harmattan"), Ct);
        using var probe = new HttpClient { BaseAddress = site.Address, Timeout = ProbeTimeout };

        using var response = await probe.GetAsync("health/ready", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains($"pipeline-store: Unhealthy - the pipeline store does not answer: MongoDB at {_server.Host} did not answer within 3 s",
            await response.Content.ReadAsStringAsync(Ct));
    }
}
