using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Harmattan.Storage;

public sealed class PipelineStoreHealthCheck(IPipelineStore store, StoreWriteMonitor writes) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (writes.RecentFailure() is { } reason)
            return new HealthCheckResult(context.Registration.FailureStatus, $"writes to the pipeline store are failing: {reason}");
        try
        {
            await store.PingAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"the pipeline store is not ready: {ex.Message}", ex);
        }
    }
}
