using Harmattan.Storage.MongoDb;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Harmattan.Storage;

/// <summary>
/// Readiness of a process that only reads the store (the dashboard): the store answers within
/// <see cref="StoreReadiness.PingTimeout"/>, and a MongoDB database holds the store (MongoDB creates a database at its
/// first write, so a misspelt <c>Storage:MongoDatabase</c> would read as empty). Unlike <see cref="PipelineStoreHealthCheck"/>
/// it never creates indexes, so a user with the read role is enough.
/// </summary>
public sealed class StoreReadableHealthCheck(IPipelineStore store) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        StoreReadiness.CheckAsync(store, ReadableAsync, "the pipeline store is not readable", context, cancellationToken);

    private async Task ReadableAsync(CancellationToken cancellationToken)
    {
        await store.PrepareForReadingAsync(cancellationToken);
        if (store is MongoPipelineStore mongo && !await mongo.HoldsTheStoreAsync(cancellationToken))
            throw new StoreNotReadyException(
                $"{mongo.NoStore}: check Storage__MongoDatabase (default harmattan); the loader creates them when it starts");
    }
}
