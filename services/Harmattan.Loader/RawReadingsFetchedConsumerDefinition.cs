using MassTransit;
using Microsoft.Extensions.Options;

namespace Harmattan.Loader;

public sealed class RawReadingsFetchedConsumerDefinition : ConsumerDefinition<RawReadingsFetchedConsumer>
{
    public const string QueueName = "archive-raw-readings";

    private readonly LoaderOptions _options;

    public RawReadingsFetchedConsumerDefinition(IOptions<LoaderOptions> options)
    {
        _options = options.Value;
        EndpointName = QueueName;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<RawReadingsFetchedConsumer> consumerConfigurator, IRegistrationContext context) =>
        LoaderBatching.Configure(endpointConfigurator, consumerConfigurator, _options);
}
