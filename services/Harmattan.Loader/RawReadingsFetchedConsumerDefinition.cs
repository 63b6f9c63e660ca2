using Harmattan.Hosting;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Harmattan.Loader;

public sealed class RawReadingsFetchedConsumerDefinition : ConsumerDefinition<RawReadingsFetchedConsumer>
{
    private readonly LoaderOptions _options;

    public RawReadingsFetchedConsumerDefinition(IOptions<LoaderOptions> options)
    {
        _options = options.Value;
        EndpointName = QueueNames.ArchiveRawReadings;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<RawReadingsFetchedConsumer> consumerConfigurator, IRegistrationContext context) =>
        LoaderBatching.Configure(endpointConfigurator, consumerConfigurator, _options);
}
