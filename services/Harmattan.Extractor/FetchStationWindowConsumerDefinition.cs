using Harmattan.Hosting;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Harmattan.Extractor;

public sealed class FetchStationWindowConsumerDefinition : ConsumerDefinition<FetchStationWindowConsumer>
{
    /// <summary>Fetches one replica runs at once: each is one HTTP call, a handful in flight keeps AirQino and memory calm.</summary>
    public const int ConcurrentFetches = 4;

    private readonly BusOptions _bus;

    public FetchStationWindowConsumerDefinition(IOptions<BusOptions> bus)
    {
        _bus = bus.Value;
        EndpointName = QueueNames.FetchStationWindow;
        ConcurrentMessageLimit = ConcurrentFetches;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<FetchStationWindowConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.PrefetchCount = _bus.PrefetchCount ?? 8;
        // AirQinoClient already retried throttling (429, spaced by Retry-After), 5xx, timeouts and network failures, up to
        // AirQino:RetryAttempts: a bus retry on top would multiply the requests to an API that asked us to slow down. The
        // bus retries only what the HTTP client did not: a broken or unreadable body, a failed publish.
        endpointConfigurator.UseExponentialRetry(_bus, retry => retry.Ignore<AirQinoResponseException>(ex => ex.RetriedByHttpClient));
    }
}
