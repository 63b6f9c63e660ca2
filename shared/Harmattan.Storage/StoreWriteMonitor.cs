namespace Harmattan.Storage;

/// <summary>
/// Whether the latest writes to the store succeeded. A store can answer a ping while refusing writes (a SQLite file
/// locked by another process), and a loader that cannot write is not ready.
/// </summary>
public sealed class StoreWriteMonitor(TimeProvider time)
{
    /// <summary>A failure counts this long unless a write succeeds first, so an idle loader does not stay unready forever.</summary>
    public static readonly TimeSpan FailureMemory = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private DateTimeOffset? _failedAt;
    private string? _reason;

    /// <summary>Awaits a write and records how it went; the exception, if any, goes on to the caller.</summary>
    public async Task<T> TrackAsync<T>(Task<T> write)
    {
        try
        {
            var result = await write;
            Succeeded();
            return result;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Failed(ex);
            throw;
        }
    }

    public void Succeeded()
    {
        lock (_gate)
            (_failedAt, _reason) = (null, null);
    }

    public void Failed(Exception exception)
    {
        lock (_gate)
            (_failedAt, _reason) = (time.GetUtcNow(), exception.Message);
    }

    /// <summary>The reason of a write that failed within <see cref="FailureMemory"/> with no success since, or null.</summary>
    public string? RecentFailure()
    {
        lock (_gate)
            return _failedAt is { } at && time.GetUtcNow() - at < FailureMemory ? _reason : null;
    }
}
