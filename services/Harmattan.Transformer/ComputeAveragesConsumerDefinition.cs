using Harmattan.Contracts;
using Harmattan.Hosting;
using Harmattan.Stations;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Harmattan.Transformer;

public sealed class ComputeAveragesConsumerDefinition : ConsumerDefinition<ComputeAveragesConsumer>
{
    private readonly BusOptions _bus;

    public ComputeAveragesConsumerDefinition(IOptions<BusOptions> bus)
    {
        _bus = bus.Value;
        EndpointName = QueueNames.ComputeAverages;
        // CPU-bound and stateless: one message per core keeps the cores busy without queueing work in memory.
        ConcurrentMessageLimit = Environment.ProcessorCount;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ComputeAveragesConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.PrefetchCount = _bus.PrefetchCount ?? 2 * Environment.ProcessorCount;
        // A pure function of the message: what fails is an invalid message (to the error queue at once) or a failed publish.
        endpointConfigurator.UseExponentialRetry(_bus);
        endpointConfigurator.UseFilter(new InvalidMessageFilter<RawReadingsFetched>(QueueNames.ComputeAverages, MessageRules.ProblemOf));
    }
}
