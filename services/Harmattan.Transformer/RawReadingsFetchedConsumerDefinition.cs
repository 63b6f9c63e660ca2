using Harmattan.Hosting;
using MassTransit;

namespace Harmattan.Transformer;

public sealed class RawReadingsFetchedConsumerDefinition : ConsumerDefinition<RawReadingsFetchedConsumer>
{
    public RawReadingsFetchedConsumerDefinition()
    {
        EndpointName = QueueNames.ComputeAverages;
        // CPU-bound and stateless: one message per core keeps the cores busy without queueing work in memory.
        ConcurrentMessageLimit = Environment.ProcessorCount;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<RawReadingsFetchedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.PrefetchCount = Math.Max(endpointConfigurator.PrefetchCount, 2 * Environment.ProcessorCount);
    }
}
