using Harmattan.Hosting;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Harmattan.Loader;

public sealed class AveragesComputedConsumerDefinition : ConsumerDefinition<AveragesComputedConsumer>
{
    private readonly LoaderOptions _options;

    public AveragesComputedConsumerDefinition(IOptions<LoaderOptions> options)
    {
        _options = options.Value;
        EndpointName = QueueNames.StoreAverages;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<AveragesComputedConsumer> consumerConfigurator, IRegistrationContext context) =>
        LoaderBatching.Configure(endpointConfigurator, consumerConfigurator, _options);
}
