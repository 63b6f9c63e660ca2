using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Harmattan.Storage;

/// <summary>
/// Readiness of a process that only reads the store (the dashboard): the store answers. Unlike
/// <see cref="PipelineStoreHealthCheck"/> it never creates indexes, so a user with the read role is enough.
/// </summary>
public sealed class StoreReadableHealthCheck(IPipelineStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.PrepareForReadingAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"the pipeline store does not answer: {ex.Message}", ex);
        }
    }
}
