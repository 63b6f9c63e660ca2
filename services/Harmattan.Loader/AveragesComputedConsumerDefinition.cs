using MassTransit;
using Microsoft.Extensions.Options;

namespace Harmattan.Loader;

public sealed class AveragesComputedConsumerDefinition : ConsumerDefinition<AveragesComputedConsumer>
{
    public const string QueueName = "store-averages";

    private readonly LoaderOptions _options;

    public AveragesComputedConsumerDefinition(IOptions<LoaderOptions> options)
    {
        _options = options.Value;
        EndpointName = QueueName;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<AveragesComputedConsumer> consumerConfigurator, IRegistrationContext context) =>
        LoaderBatching.Configure(endpointConfigurator, consumerConfigurator, _options);
}
