using Harmattan.Contracts;
using Harmattan.Storage;
using MassTransit;

namespace Harmattan.Loader;

/// <summary>Archives raw fetches (for replay) in one transaction per batch; a fetch already archived is skipped.</summary>
public sealed class ArchiveRawReadingsConsumer(IPipelineStore store, StoreWriteMonitor writes, ILogger<ArchiveRawReadingsConsumer> logger)
    : IConsumer<Batch<RawReadingsFetched>>
{
    public async Task Consume(ConsumeContext<Batch<RawReadingsFetched>> context)
    {
        var batch = new RawReadingsFetched[context.Message.Length];
        for (var i = 0; i < batch.Length; i++)
            batch[i] = context.Message[i].Message;

        var archived = await StoreWriteMetrics.MeasureAsync(StoreWriteMetrics.RawFetches, context.Message, _ => 1,
            () => writes.TrackAsync(store.ArchiveRawFetchesAsync(batch, context.CancellationToken)));
        StoreWriteMetrics.Written(StoreWriteMetrics.RawFetches, archived, batch.Length - archived, StoreWriteMetrics.AlreadyArchived);

        logger.LogInformation(
            "Archived {Archived} of {Messages} raw fetches for stations {StationIds} ({AlreadyArchived} already archived): {FetchIds}",
            archived, batch.Length, batch.Select(f => f.StationId).Distinct().Order(StringComparer.Ordinal).ToArray(),
            batch.Length - archived, batch.Select(f => f.FetchId).ToArray());
    }
}
