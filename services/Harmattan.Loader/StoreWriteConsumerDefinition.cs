using Harmattan.Hosting;
using Harmattan.Storage;
using MassTransit;

namespace Harmattan.Loader;

/// <summary>
/// How each of the loader's endpoints receives: in batches, a store upgraded by a newer version refused, a failed write
/// retried, a message the store must not hold refused on its own. The order of the filters is the point, so both
/// endpoints share it.
/// </summary>
public abstract class StoreWriteConsumerDefinition<TConsumer, TMessage> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer<Batch<TMessage>>
    where TMessage : class
{
    private readonly string _queue;
    private readonly Func<TMessage, string?> _problemOf;
    private readonly LoaderOptions _options;
    private readonly BusOptions _bus;
    private readonly StoreSchemaWatch _storeSchema;

    protected StoreWriteConsumerDefinition(string queue, Func<TMessage, string?> problemOf, LoaderOptions options, BusOptions bus,
        StoreSchemaWatch storeSchema)
    {
        _queue = queue;
        _problemOf = problemOf;
        _options = options;
        _bus = bus;
        _storeSchema = storeSchema;
        EndpointName = queue;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context)
    {
        // One batch at a time per endpoint, so the store sees one write transaction per batch. A batch can only fill from
        // messages the endpoint holds unacknowledged, so prefetch (and the concurrent message limit) must be the batch
        // size; no more either, because every message held is a message's worth of memory.
        endpointConfigurator.PrefetchCount = _options.BatchSize;
        consumerConfigurator.Options<BatchOptions>(batch => batch
            .SetMessageLimit(_options.BatchSize)
            .SetTimeLimit(_options.BatchTimeLimit)
            .SetConcurrencyLimit(1));
        // Outside the retries, so that a store upgraded by a newer version leaves the message in its queue, not in _error.
        endpointConfigurator.UseFilter(new NewerStoreFilter(_storeSchema));
        // A store that is down or locked usually comes back within the retries; beyond them the batch waits in the
        // error queue for a redrive. A store a newer version upgraded refuses every write: not retried.
        endpointConfigurator.UseExponentialRetry(_bus, retry => retry.Ignore<NewerStoreException>());
        endpointConfigurator.UseFilter(new InvalidMessageFilter<TMessage>(_queue, _problemOf));
    }
}
