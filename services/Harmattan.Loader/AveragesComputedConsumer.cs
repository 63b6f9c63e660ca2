using Harmattan.Contracts;
using Harmattan.Storage;
using MassTransit;

namespace Harmattan.Loader;

/// <summary>Upserts a batch of computed averages in one store write (SQLite: one transaction; MongoDB: two bulk writes); older versions are ignored by the store.</summary>
public sealed class AveragesComputedConsumer(IPipelineStore store, StoreWriteMonitor writes, ILogger<AveragesComputedConsumer> logger)
    : IConsumer<Batch<AveragesComputed>>
{
    public async Task Consume(ConsumeContext<Batch<AveragesComputed>> context)
    {
        var batch = new AveragesComputed[context.Message.Length];
        for (var i = 0; i < batch.Length; i++)
            batch[i] = context.Message[i].Message;

        var result = await writes.TrackAsync(store.UpsertAveragesAsync(batch, context.CancellationToken));

        logger.LogInformation(
            "Stored averages of {Messages} fetches for stations {StationIds}: {RowsWritten} rows written, {RowsIgnored} ignored as older, " +
            "{RowsRefused} refused because the stored row has no valid version (logged as errors)",
            batch.Length, batch.Select(a => a.StationId).Distinct().Order(StringComparer.Ordinal).ToArray(),
            result.Written, result.IgnoredAsOlder, result.RefusedUnversioned);
    }
}
