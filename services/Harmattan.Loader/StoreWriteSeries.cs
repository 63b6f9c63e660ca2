namespace Harmattan.Loader;

/// <summary>
/// Puts the store's counters at zero as the loader starts: after the metrics exporter (registered before the loader),
/// which drops what is counted before it listens.
/// </summary>
internal sealed class StoreWriteSeries : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        StoreWriteMetrics.ReportZeros();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
