using MassTransit;

namespace Harmattan.Loader;

internal static class LoaderBatching
{
    /// <summary>
    /// One batch at a time per endpoint, so the store sees one write transaction per batch. A batch can only fill
    /// from messages the endpoint holds unacknowledged, so prefetch (and the concurrent message limit) must be the
    /// batch size; no more either, because every message held is a message's worth of memory.
    /// </summary>
    public static void Configure<TConsumer>(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<TConsumer> consumer,
        LoaderOptions options)
        where TConsumer : class
    {
        endpoint.PrefetchCount = options.BatchSize;
        consumer.Options<BatchOptions>(batch => batch
            .SetMessageLimit(options.BatchSize)
            .SetTimeLimit(options.BatchTimeLimit)
            .SetConcurrencyLimit(1));
    }
}
