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
    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        var cron = options.Value.ParsePruneCron();
        logger.LogInformation("Archive prune {Cron} (UTC): every fetch kept for {KeepAllDays} days, then the newest per station-day",
            options.Value.PruneCron, options.Value.KeepAllDays);
        await CronSchedule.RunAsync(cron, time, PruneOnceAsync, stoppingToken);
        if (!stoppingToken.IsCancellationRequested)
            logger.LogWarning("Archive:PruneCron {Cron} has no further occurrence; pruning stops", options.Value.PruneCron);
    }

    private async Task PruneOnceAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        // A prune deletes from the store: not from one a newer version has upgraded (the loader is then stopping).
        if (storeSchema.Refusal is not null)
            return;
        try
        {
            // The deletes check the version themselves; checking first spares reading a whole archive in a layout this
            // version may misread.
            await store.RequireKnownSchemaAsync(cancellationToken);
            var report = await ArchivePruner.PruneAsync(store, now, options.Value.KeepAllDays, dryRun: false, cancellationToken);
            logger.LogInformation(
                "Pruned the raw archive: {FetchesDropped} fetches ({BytesDropped} bytes of readings) dropped, {FetchesKept} ({BytesKept} bytes) kept over {Stations} stations",
                report.FetchesDropped, report.BytesDropped, report.FetchesKept, report.BytesKept, report.Stations.Count);
            if (report.Stations.Sum(s => s.FetchedAgain) is > 0 and var fetchedAgain)
                logger.LogInformation("{FetchedAgain} of the fetches kept were fetched again while the prune ran, and stay", fetchedAgain);
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
