using Harmattan.Contracts;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Harmattan.Transformer;

/// <summary>Turns one fetch into its hourly and daily averages. Stateless: any replica can take any fetch.</summary>
public sealed class RawReadingsFetchedConsumer(IOptionsMonitor<QualityOptions> options, ILogger<RawReadingsFetchedConsumer> logger)
    : IConsumer<RawReadingsFetched>
{
    public async Task Consume(ConsumeContext<RawReadingsFetched> context)
    {
        var fetch = context.Message;
        var averages = AveragesCalculator.Compute(fetch, options.CurrentValue);

        await context.Publish(averages, context.CancellationToken);

        logger.LogInformation(
            "Computed averages of fetch {FetchId} for station {StationId}: {Readings} readings, {Hours} hours, {Days} days ({CompleteDays} complete), algorithm v{AlgorithmVersion}",
            fetch.FetchId, fetch.StationId, fetch.Readings.Count, averages.Hourly.Count, averages.Daily.Count,
            averages.Daily.Count(d => d.IsComplete), averages.AlgorithmVersion);
    }
}
