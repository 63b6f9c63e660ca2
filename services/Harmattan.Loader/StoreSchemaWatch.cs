using Harmattan.Hosting;
using Harmattan.Storage;
using Microsoft.Extensions.Options;

namespace Harmattan.Loader;

/// <summary>
/// Stops the loader once its store turns out to be written by a newer version of Harmattan. A newer version can upgrade
/// the store while this loader runs (a rolling upgrade, or a newer <c>harmattan</c> run against the live store); rows
/// written in this version's layout after that could damage what the newer version stored. So every write of the store
/// reads its schema first (SQLite inside the write's own transaction) and throws <see cref="NewerStoreException"/>
/// instead of writing; <see cref="NewerStoreFilter"/> and the archive's prune hand that refusal here. One error line says
/// why, and the messages the loader has not stored stay in their queues for a loader of the newer version (on RabbitMQ;
/// the in-memory bus of <c>harmattan run</c> keeps nothing once the process ends).
/// </summary>
public sealed class StoreSchemaWatch(ILogger<StoreSchemaWatch> logger, IHostApplicationLifetime? lifetime = null,
    IOptions<BusOptions>? bus = null)
{
    /// <summary>The exit code of a loader stopped by a newer store: 1, as when it refuses one at start.</summary>
    public const int StoppedExitCode = 1;

    private NewerStoreException? _refusal;

    /// <summary>The refusal that stopped the loader, or null while the store is one this version knows.</summary>
    public NewerStoreException? Refusal => Volatile.Read(ref _refusal);

    /// <summary>Stops the loader for <paramref name="newer"/>: the first refusal is logged and stops the host, later ones add nothing.</summary>
    public void Refuse(NewerStoreException newer)
    {
        ArgumentNullException.ThrowIfNull(newer);
        if (Interlocked.CompareExchange(ref _refusal, newer, null) is not null)
            return;
        if (bus?.Value.Transport == BusTransport.InMemory)
            logger.LogError("The loader stops: {Reason}", newer.Message);
        else
            logger.LogError("The loader stops: {Reason}. The messages it has not stored stay in their queues for a loader of that version",
                newer.Message);
        lifetime?.StopApplication();
    }
}
