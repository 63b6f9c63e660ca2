using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Harmattan.Storage;

/// <summary>
/// Creates the store's tables and indexes before the bus starts delivering messages. A store that does not answer in
/// time or is not usable yet leaves the service up and not ready: the store's readiness check (and its next write)
/// tries again, and a write that still fails is retried and then moved to the queue's <c>_error</c> queue.
/// </summary>
public sealed class PipelineStoreInitializer(IPipelineStore store, ILogger<PipelineStoreInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await store.InitializeAsync(cancellationToken);
        }
        catch (Exception e) when (e is StoreNotReadyException or TimeoutException)
        {
            logger.LogError(e, "The pipeline store is not ready, so neither is this service (it retries on every readiness check): {Reason}",
                e.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
