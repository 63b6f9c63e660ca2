using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Harmattan.Storage;

/// <summary>The store's part of <c>/health/ready</c>, shared by the loader's check and the dashboard's.</summary>
public static class StoreReadiness
{
    /// <summary>
    /// How long a readiness check waits for the store. It must stay well under the probes' timeoutSeconds (5 s in
    /// deploy/k8s and docker-compose.yml; a test holds them apart): a store that accepts the connection and never
    /// answers then makes the check Unhealthy with its reason, where waiting for Storage:MongoOperationTimeout (30 s)
    /// left the probe with only its own time-out.
    /// </summary>
    public static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Healthy when <paramref name="ping"/> succeeds within <see cref="PingTimeout"/>; otherwise the registration's failure status, after <paramref name="failing"/>, with the reason.</summary>
    public static async Task<HealthCheckResult> CheckAsync(IPipelineStore store, Func<CancellationToken, Task> ping, string failing,
        HealthCheckContext context, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(PingTimeout);
        try
        {
            await ping(deadline.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Past the deadline the driver throws whatever its connection was doing; the limit is the reason.
            var reason = deadline.IsCancellationRequested
                ? $"{store.Location} did not answer within {PingTimeout.TotalSeconds:0} s, the readiness check's limit"
                : ex.Message;
            return new HealthCheckResult(context.Registration.FailureStatus, $"{failing}: {reason}", ex);
        }
    }
}
