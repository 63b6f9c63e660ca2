using Harmattan.Contracts;
using Harmattan.Hosting;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Harmattan.Transformer;

/// <summary>Turns one fetch into its hourly and daily averages. Stateless: any replica can take any fetch.</summary>
public sealed class ComputeAveragesConsumer(IOptionsMonitor<QualityOptions> options, ILogger<ComputeAveragesConsumer> logger)
    : IConsumer<RawReadingsFetched>
{
    public async Task Consume(ConsumeContext<RawReadingsFetched> context)
    {
        var fetch = context.Message;
        var replay = HarmattanHeaders.IsReplay(context.Headers);
        if (replay)
            logger.LogInformation("Replaying archived fetch {FetchId} of station {StationId}, fetched at {FetchedAt:O}",
                fetch.FetchId, fetch.StationId, fetch.FetchedAt);
        var outcomes = new ReadingOutcomes();
        var averages = AveragesCalculator.Compute(fetch, options.CurrentValue, outcomes);

        await context.Publish(averages, published =>
        {
            if (replay)
                published.Headers.Set(HarmattanHeaders.Replay, true);
        }, context.CancellationToken);
        TransformerMetrics.Record(outcomes);

        logger.LogInformation(
            "Computed averages of fetch {FetchId} for station {StationId}: {Readings} readings, {Hours} hours, {Days} days ({CompleteDays} complete), algorithm v{AlgorithmVersion}",
            fetch.FetchId, fetch.StationId, fetch.Readings.Count, averages.Hourly.Count, averages.Daily.Count,
            averages.Daily.Count(d => d.IsComplete), averages.AlgorithmVersion);
    }
}
