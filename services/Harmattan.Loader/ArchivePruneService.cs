using Harmattan.Hosting;
using Harmattan.Storage;
using Harmattan.Storage.Archive;
using Microsoft.Extensions.Options;

namespace Harmattan.Loader;

/// <summary>
/// Prunes the raw archive on <c>Archive:PruneCron</c> (UTC) down to what replay needs. Several loaders may prune at the
/// same time: each deletes only fetches that a kept one supersedes, so the outcome is the same as one prune.
/// </summary>
public sealed class ArchivePruneService(
    IPipelineStore store,
    StoreSchemaWatch storeSchema,
    IOptions<ArchiveOptions> options,
    TimeProvider time,
    ILogger<ArchivePruneService> logger) : StoppableBackgroundService
{
    private static readonly TimeSpan MaxSleep = TimeSpan.FromDays(1);

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        var cron = options.Value.ParsePruneCron();
        logger.LogInformation("Archive prune {Cron} (UTC): every fetch kept for {KeepAllDays} days, then the newest per station-day",
            options.Value.PruneCron, options.Value.KeepAllDays);
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            if (cron.GetNextOccurrence(now.UtcDateTime, TimeZoneInfo.Utc) is not { } next)
            {
                logger.LogWarning("Archive:PruneCron {Cron} has no further occurrence; pruning stops", options.Value.PruneCron);
                return;
            }
            var wait = new DateTimeOffset(next, TimeSpan.Zero) - now;
            await Task.Delay(wait > MaxSleep ? MaxSleep : wait, time, stoppingToken);
            if (time.GetUtcNow() < new DateTimeOffset(next, TimeSpan.Zero))
                continue;
            await PruneOnceAsync(stoppingToken);
        }
    }

    private async Task PruneOnceAsync(CancellationToken cancellationToken)
    {
        // A prune deletes from the store: not from one a newer version has upgraded (the loader is then stopping).
        if (storeSchema.Refusal is not null)
            return;
        try
        {
            // The deletes check the version themselves; checking first spares reading a whole archive in a layout this
            // version may misread.
            await store.RequireKnownSchemaAsync(cancellationToken);
            var report = await ArchivePruner.PruneAsync(store, time.GetUtcNow(), options.Value.KeepAllDays, dryRun: false, cancellationToken);
            logger.LogInformation(
                "Pruned the raw archive: {FetchesDropped} fetches ({BytesDropped} bytes of readings) dropped, {FetchesKept} ({BytesKept} bytes) kept over {Stations} stations",
                report.FetchesDropped, report.BytesDropped, report.FetchesKept, report.BytesKept, report.Stations.Count);
        }
        catch (NewerStoreException newer)
        {
            storeSchema.Refuse(newer);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Nothing is lost by a failed prune; the next occurrence tries again.
            logger.LogError(ex, "Pruning the raw archive failed: {Reason}", ex.Message);
        }
    }
}
