namespace Harmattan.Hosting;

/// <summary>
/// A background loop whose cancellation when the host stops is the normal end, not a failure: the host would log it as
/// a failed service (Error, then Fatal) when it stops because it could not start, e.g. with the broker unreachable.
/// </summary>
public abstract class StoppableBackgroundService : Microsoft.Extensions.Hosting.BackgroundService
{
    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The loop; it ends by returning or by <paramref name="stoppingToken"/>'s cancellation.</summary>
    protected abstract Task RunAsync(CancellationToken stoppingToken);
}
