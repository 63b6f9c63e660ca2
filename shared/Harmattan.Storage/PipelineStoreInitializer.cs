using Microsoft.Extensions.Hosting;

namespace Harmattan.Storage;

/// <summary>Creates the store's tables and indexes before the bus starts delivering messages.</summary>
public sealed class PipelineStoreInitializer(IPipelineStore store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => store.InitializeAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
