using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Harmattan.Storage;

/// <summary>
/// Readiness of the loader: its recent writes succeeded and the store answers within <see cref="StoreReadiness.PingTimeout"/>
/// (verifying the unique keys first, until they are).
/// </summary>
public sealed class PipelineStoreHealthCheck(IPipelineStore store, StoreWriteMonitor writes) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        writes.RecentFailure() is { } reason
            ? Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, $"writes to the pipeline store are failing: {reason}"))
            : StoreReadiness.CheckAsync(store, store.PingAsync, "the pipeline store is not ready", context, cancellationToken);
}
