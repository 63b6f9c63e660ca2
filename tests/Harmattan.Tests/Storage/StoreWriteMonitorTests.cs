using Harmattan.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace Harmattan.Tests.Storage;

public class StoreWriteMonitorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_loader_whose_writes_fail_is_not_ready_until_a_write_succeeds_or_the_failure_is_a_minute_old()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var writes = new StoreWriteMonitor(time);
        var path = Path.Combine(Path.GetTempPath(), $"harmattan-monitor-{Guid.NewGuid():N}.db");
        using var store = new Harmattan.Storage.Sqlite.SqlitePipelineStore($"Data Source={path}");
        await store.InitializeAsync(Ct);
        var check = new PipelineStoreHealthCheck(store, writes);
        var context = new HealthCheckContext
        {
            Registration = new HealthCheckRegistration("pipeline-store", check, HealthStatus.Unhealthy, null),
        };
        try
        {
            Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(context, Ct)).Status);

            writes.Failed(new InvalidOperationException("SQLite Error 5: 'database is locked'."));
            var failing = await check.CheckHealthAsync(context, Ct);
            Assert.Equal(HealthStatus.Unhealthy, failing.Status);
            Assert.Contains("database is locked", failing.Description);

            writes.Succeeded();
            Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(context, Ct)).Status);

            writes.Failed(new InvalidOperationException("locked"));
            time.Advance(StoreWriteMonitor.FailureMemory);
            Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(context, Ct)).Status);
        }
        finally
        {
            TemporarySqliteDatabase.Delete(path);
        }
    }
}
