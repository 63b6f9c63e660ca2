using Harmattan.Contracts;
using Harmattan.Hosting;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Harmattan.Loader;

public sealed class AveragesComputedConsumerDefinition : ConsumerDefinition<AveragesComputedConsumer>
{
    private readonly LoaderOptions _options;
    private readonly BusOptions _bus;

    public AveragesComputedConsumerDefinition(IOptions<LoaderOptions> options, IOptions<BusOptions> bus)
    {
        _options = options.Value;
        _bus = bus.Value;
        EndpointName = QueueNames.StoreAverages;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<AveragesComputedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        LoaderBatching.Configure(endpointConfigurator, consumerConfigurator, _options);
        // A store that is down or locked usually comes back within the retries; beyond them the batch waits in the
        // error queue for a redrive.
        endpointConfigurator.UseExponentialRetry(_bus);
        endpointConfigurator.UseFilter(new UnstorableMessageFilter<AveragesComputed>(QueueNames.StoreAverages, StorableMessages.ProblemOf));
    }
}
