using Harmattan.Contracts;
using Harmattan.Hosting;
using Harmattan.Storage;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Harmattan.Loader;

public sealed class RawReadingsFetchedConsumerDefinition : ConsumerDefinition<RawReadingsFetchedConsumer>
{
    private readonly LoaderOptions _options;
    private readonly BusOptions _bus;
    private readonly StoreSchemaWatch _storeSchema;

    public RawReadingsFetchedConsumerDefinition(IOptions<LoaderOptions> options, IOptions<BusOptions> bus, StoreSchemaWatch storeSchema)
    {
        _options = options.Value;
        _bus = bus.Value;
        _storeSchema = storeSchema;
        EndpointName = QueueNames.ArchiveRawReadings;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<RawReadingsFetchedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        LoaderBatching.Configure(endpointConfigurator, consumerConfigurator, _options);
        // Outside the retries, so that a store upgraded by a newer version leaves the message in its queue, not in _error.
        endpointConfigurator.UseFilter(new NewerStoreFilter(_storeSchema));
        // A store that is down or locked usually comes back within the retries; beyond them the batch waits in the
        // error queue for a redrive. A store a newer version upgraded refuses every write: not retried.
        endpointConfigurator.UseExponentialRetry(_bus, retry => retry.Ignore<NewerStoreException>());
        endpointConfigurator.UseFilter(new UnstorableMessageFilter<RawReadingsFetched>(QueueNames.ArchiveRawReadings, StorableMessages.ProblemOf));
    }
}
