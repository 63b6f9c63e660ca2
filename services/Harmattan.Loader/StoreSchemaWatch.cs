using Harmattan.Hosting;
using Harmattan.Storage;
using Microsoft.Extensions.Options;

namespace Harmattan.Loader;

/// <summary>
/// Whether the store is still of a schema this version knows, asked before the loader writes. A newer version of
/// Harmattan can upgrade the store while this loader runs (a rolling upgrade, or a newer <c>harmattan</c> run against the
/// live store); rows written in this version's layout after that could damage what the newer version stored. The store is
/// read at most once per <see cref="Interval"/>. On a newer store the loader stops: one error line says why, and the
/// messages it has not stored stay in their queues for a loader of the newer version (on RabbitMQ; the in-memory bus of
/// <c>harmattan run</c> keeps nothing once the process ends).
/// </summary>
public sealed class StoreSchemaWatch(IPipelineStore store, TimeProvider time, ILogger<StoreSchemaWatch> logger,
    IHostApplicationLifetime? lifetime = null, IOptions<BusOptions>? bus = null)
{
    /// <summary>How long a check of the store's schema counts: writes within it are not preceded by another read.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    /// <summary>The exit code of a loader stopped by a newer store: 1, as when it refuses one at start.</summary>
    public const int StoppedExitCode = 1;

    private readonly SemaphoreSlim _turn = new(1, 1);
    private DateTimeOffset? _checkedAt;
    private volatile NewerStoreException? _refusal;

    /// <summary>The refusal that stopped the loader, or null while the store is one this version knows.</summary>
    public NewerStoreException? Refusal => _refusal;

    /// <summary>
    /// False once the store was found written by a newer version (the host is then stopping); true otherwise, reading the
    /// store's schema when the last check is older than <see cref="Interval"/>.
    /// </summary>
    public async ValueTask<bool> MayWriteAsync(CancellationToken cancellationToken)
    {
        if (_refusal is not null)
            return false;
        if (CheckedRecently())
            return true;
        // One read for all the messages arriving together, not one each.
        await _turn.WaitAsync(cancellationToken);
        try
        {
            if (_refusal is not null)
                return false;
            if (CheckedRecently())
                return true;
            try
            {
                await store.RequireKnownSchemaAsync(cancellationToken);
            }
            catch (NewerStoreException newer)
            {
                Refuse(newer);
                return false;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A store that cannot be read now fails the write the same way, which is retried and reported as
                // always; counted as a check, so that every message does not wait for an unreachable store twice.
                logger.LogDebug("Could not read the store's schema version before writing: {Reason}", ex.Message);
            }
            _checkedAt = time.GetUtcNow();
            return true;
        }
        finally
        {
            _turn.Release();
        }
    }

    private bool CheckedRecently() => _checkedAt is { } at && time.GetUtcNow() - at < Interval;

    private void Refuse(NewerStoreException newer)
    {
        _refusal = newer;
        if (bus?.Value.Transport == BusTransport.InMemory)
            logger.LogError("The loader stops: {Reason}", newer.Message);
        else
            logger.LogError("The loader stops: {Reason}. The messages it has not stored stay in their queues for a loader of that version",
                newer.Message);
        lifetime?.StopApplication();
    }
}
