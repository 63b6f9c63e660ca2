using Harmattan.Contracts;
using Harmattan.Storage;
using MassTransit;

namespace Harmattan.Loader;

/// <summary>Upserts a batch of computed averages in one store write (SQLite: one transaction; MongoDB: two bulk writes); older versions are ignored by the store.</summary>
public sealed class StoreAveragesConsumer(IPipelineStore store, StoreWriteMonitor writes, StationFreshness freshness,
    ILogger<StoreAveragesConsumer> logger)
    : IConsumer<Batch<AveragesComputed>>
{
    public async Task Consume(ConsumeContext<Batch<AveragesComputed>> context)
    {
        var batch = new AveragesComputed[context.Message.Length];
        for (var i = 0; i < batch.Length; i++)
            batch[i] = context.Message[i].Message;

        var result = await StoreWriteMetrics.MeasureAsync(StoreWriteMetrics.Averages, context.Message, a => a.Hourly.Count + a.Daily.Count,
            () => writes.TrackAsync(store.UpsertAveragesAsync(batch, context.CancellationToken)));
        StoreWriteMetrics.AveragesWritten(result);
        StoreWriteMetrics.DaysStored(batch);
        freshness.Stored(batch);

        logger.LogInformation(
            "Stored averages of {Messages} fetch(es) for stations {StationIds}: {RowsWritten} rows written, {RowsIgnored} ignored as older (or as days without rows over days stored with rows), " +
            "{RowsRefused} refused because the stored row has no valid version (logged as errors); fetches {FetchIds}",
            batch.Length, batch.Select(a => a.StationId).Distinct().Order(StringComparer.Ordinal).ToArray(),
            result.Written, result.IgnoredAsOlder, result.RefusedUnversioned, batch.Select(a => a.SourceFetchId).ToArray());
    }
}
