using Harmattan.Hosting;
using MassTransit;

namespace Harmattan.Extractor;

public sealed class FetchStationWindowConsumerDefinition : ConsumerDefinition<FetchStationWindowConsumer>
{
    public FetchStationWindowConsumerDefinition()
    {
        EndpointName = QueueNames.FetchStationWindow;
        // Each message is one HTTP call of up to a few MB; a handful in flight per replica keeps AirQino and memory calm.
        ConcurrentMessageLimit = 4;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<FetchStationWindowConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.PrefetchCount = 8;
    }
}
