using Harmattan.Hosting;
using Spectre.Console;

namespace Harmattan.Cli.Pipeline;

/// <summary>
/// Whether the services that a command's messages pass through consume their queues: a backfill or a replay says so
/// within seconds rather than show no progress until its idle timeout, whichever service is stopped.
/// </summary>
public static class PipelineConsumers
{
    /// <summary>How soon after sending a command warns that a queue it waits on has no consumer.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(3);

    /// <summary>The queues a fetch command passes through, from the extractor to the loader.</summary>
    public static readonly IReadOnlyList<string> OfFetches = QueueNames.All;

    /// <summary>The queues a replayed fetch passes through.</summary>
    public static readonly IReadOnlyList<string> OfReplays = [QueueNames.ComputeAverages, QueueNames.StoreAverages];

    private static readonly Dictionary<string, string> ServiceOf = new()
    {
        [QueueNames.FetchStationWindow] = "extractor",
        [QueueNames.ComputeAverages] = "transformer",
        [QueueNames.ArchiveRawReadings] = "loader",
        [QueueNames.StoreAverages] = "loader",
    };

    /// <summary>
    /// Prints <see cref="Warning"/> for the queues still without a consumer after <see cref="Grace"/>. The passive
    /// declares give the consumer counts. Only advice: a broker that restarts meanwhile ends the check, not the command.
    /// </summary>
    public static async Task WarnWithoutConsumersAsync(Uri broker, string clientName, IReadOnlyList<string> queues,
        CancellationToken cancellationToken)
    {
        if (queues.Count == 0)
            return;
        IReadOnlyList<string> idle;
        try
        {
            await using var connection = await RabbitMqAddress.ConnectAsync(broker, clientName, cancellationToken);
            idle = await WithoutConsumerAsync(queues);
            if (idle.Count > 0)
            {
                await Task.Delay(Grace, cancellationToken);
                idle = await WithoutConsumerAsync(idle);
            }

            async Task<IReadOnlyList<string>> WithoutConsumerAsync(IReadOnlyList<string> asked)
            {
                var without = new List<string>();
                foreach (var queue in asked)
                    if (await RabbitMqAddress.ConsumerCountAsync(connection, queue, cancellationToken) is 0 or null)
                        without.Add(queue);
                return without;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return;
        }
        if (Warning(idle) is { } warning)
            AnsiConsole.MarkupLine($"[yellow]Warning[/]: {Markup.Escape(warning)}");
    }

    /// <summary>
    /// "no transformer is consuming compute-averages: start the transformer (...)", naming each stopped service and its
    /// queues; null when every queue has a consumer.
    /// </summary>
    public static string? Warning(IReadOnlyList<string> queuesWithoutConsumer)
    {
        if (queuesWithoutConsumer.Count == 0)
            return null;
        var services = queuesWithoutConsumer.GroupBy(queue => ServiceOf[queue]).ToList();
        var idle = string.Join("; ", services.Select(service => $"no {service.Key} is consuming {string.Join(" or ", service)}"));
        var start = services.Count == 1 ? $"the {services[0].Key}" : "the services";
        return $"{idle}: start {start} (see README, \"Running the three services on RabbitMQ\"); what was sent waits in the queues until then.";
    }
}
