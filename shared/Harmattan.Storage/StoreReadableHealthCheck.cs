using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Harmattan.Storage;

/// <summary>
/// Readiness of a process that only reads the store (the dashboard): the store is ready for reading
/// (<see cref="IPipelineStore.PrepareForReadingAsync"/>: on MongoDB, it answers and its database holds the store) within
/// <see cref="StoreReadiness.PingTimeout"/>. Unlike <see cref="PipelineStoreHealthCheck"/> it never creates indexes, so
/// a user with the read role is enough.
/// </summary>
public sealed class StoreReadableHealthCheck(IPipelineStore store) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        StoreReadiness.CheckAsync(store, store.PrepareForReadingAsync, "the pipeline store is not readable", context, cancellationToken);
}
