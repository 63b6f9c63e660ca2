using System.Net;
using System.Reflection;
using Harmattan.Dashboard;
using Harmattan.Storage;
using Harmattan.Storage.Sqlite;
using Harmattan.Testing;

namespace Harmattan.Tests.Dashboard;

/// <summary>The dashboard's API under more requests than it answers at once, as anyone reaching the page can send.</summary>
public sealed class DashboardBusyTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly TemporarySqliteDatabase _database = new("dashboard-busy");

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task Api_requests_beyond_those_answered_and_waiting_are_a_503_to_retry_and_the_waiting_ones_are_answered()
    {
        using var sqlite = new SqlitePipelineStore(_database.ConnectionString);
        await sqlite.InitializeAsync(Ct);
        await DashboardSite.SeedAsync(sqlite, Ct);
        var store = DispatchProxy.Create<IPipelineStore, HeldDailyReads>();
        var reads = (HeldDailyReads)(object)store;
        reads.Inner = sqlite;
        await using var site = await DashboardSite.StartAsync(store, Ct);
        const string daily = $"api/stations/{DashboardSite.Smart188}/daily";

        var sent = new List<Task<HttpResponseMessage>>();
        HttpResponseMessage? refused = null;
        try
        {
            for (var i = 0; i < DashboardRegistration.ConcurrentApiRequests; i++)
                sent.Add(site.Client.GetAsync(daily, Ct));
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (reads.Held < DashboardRegistration.ConcurrentApiRequests)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{reads.Held} of {DashboardRegistration.ConcurrentApiRequests} requests reached the store in 30 s");
                await Task.Delay(20, Ct);
            }
            // As many again as the queue holds; then each further request waits its turn (unanswered within a second)
            // until the queue is full, which the first one finds unless some of these have not reached it yet.
            for (var i = 0; i < DashboardRegistration.QueuedApiRequests; i++)
                sent.Add(site.Client.GetAsync(daily, Ct));
            await Task.Delay(TimeSpan.FromSeconds(2), Ct);
            for (var waiting = 0; refused is null; waiting++)
            {
                Assert.True(waiting <= DashboardRegistration.QueuedApiRequests, $"more requests waited than the queue holds ({reads.Held} reached the store)");
                var request = site.Client.GetAsync(daily, Ct);
                if (await Task.WhenAny(request, Task.Delay(TimeSpan.FromSeconds(1), Ct)) == request)
                    refused = await request;
                else
                    sent.Add(request);
            }
            Assert.Equal(DashboardRegistration.ConcurrentApiRequests + DashboardRegistration.QueuedApiRequests, sent.Count(r => !r.IsCompleted));
            Assert.Equal(DashboardRegistration.ConcurrentApiRequests, reads.Held);
            // The page and its files do not wait behind the API's queue.
            using var page = await site.Client.GetAsync("", Ct);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }
        finally
        {
            reads.Release();
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(DashboardRegistration.BusyRetryAfterSeconds), refused.Headers.RetryAfter?.Delta);
        Assert.Equal(DashboardRegistration.ContentSecurityPolicy, refused.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains(DashboardRegistration.BusyTitle, await refused.Content.ReadAsStringAsync(Ct));
        foreach (var response in await Task.WhenAll(sent))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        refused.Dispose();
    }

    /// <summary>A store whose reads of daily averages wait until released; it counts the reads waiting.</summary>
    public class HeldDailyReads : DispatchProxy
    {
        private readonly ManualResetEventSlim _released = new();
        private int _held;

        public IPipelineStore Inner { get; set; } = null!;
        public int Held => Volatile.Read(ref _held);

        public void Release() => _released.Set();

        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            if (method!.Name == nameof(IPipelineStore.GetDailyAveragesAsync) && !_released.IsSet)
            {
                Interlocked.Increment(ref _held);
                _released.Wait(TimeSpan.FromMinutes(5));
            }
            return method.Invoke(Inner, args);
        }
    }
}
