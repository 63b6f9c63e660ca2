using Harmattan.Cli.Pipeline;
using Harmattan.Hosting;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Harmattan.Cli.Operations;

/// <summary>
/// What a redrive did: messages moved per destination queue, messages deleted per station (<c>--discard</c>), and how
/// many are still in the error queue, of how many were waiting when it started.
/// </summary>
public sealed record RedriveResult(string ErrorQueue, IReadOnlyDictionary<string, int> MovedTo,
    IReadOnlyDictionary<string, int> DiscardedOf, uint LeftInErrorQueue, bool QueueExists = true, uint WaitingAtStart = 0)
{
    /// <summary>
    /// The messages in the error queue at the end beyond those of the start not moved: a moved message that failed again
    /// meanwhile (a station AirQino does not know), or a new failure.
    /// </summary>
    public uint ArrivedSince => LeftInErrorQueue - Math.Min(LeftInErrorQueue, WaitingAtStart - (uint)(Moved + Discarded));

    public int Moved => MovedTo.Values.Sum();

    public int Discarded => DiscardedOf.Values.Sum();
}

/// <summary>Which messages of the error queue a redrive takes, and what it does with them.</summary>
/// <param name="Stations">Only the messages of these stations; the others stay in the error queue. Empty: every message.</param>
/// <param name="Discard">Delete the messages taken instead of moving them back: for a station whose messages will never succeed.</param>
public sealed record RedriveSelection(IReadOnlySet<string> Stations, bool Discard = false)
{
    public bool Takes(string? stationId) => Stations.Count == 0 || (stationId is not null && Stations.Contains(stationId));
}

/// <summary>
/// Moves messages from a MassTransit <c>_error</c> queue back to the queue they failed on. Each message is taken
/// unacknowledged, re-published with publisher confirms, and acknowledged on the error queue only after the broker
/// confirmed the copy: an interruption at any point loses nothing, at worst a message is delivered twice, which the
/// pipeline's idempotent consumers absorb.
/// </summary>
public static class ErrorQueueRedrive
{
    public const string ErrorSuffix = "_error";
    public const string RedriveCountHeader = "Harmattan-Redrive-Count";
    public const string FaultInputAddressHeader = "MT-Fault-InputAddress";

    /// <summary>Messages taken (unacknowledged) and re-published before their confirms are awaited.</summary>
    public const int BatchSize = 100;

    /// <summary>The error queues of the pipeline's four queues, where MassTransit moves what failed there.</summary>
    public static readonly IReadOnlyList<string> PipelineErrorQueues =
        [.. new[] { QueueNames.StoreAverages, QueueNames.ComputeAverages, QueueNames.ArchiveRawReadings, QueueNames.FetchStationWindow }
            .Select(QueueNames.ErrorQueue)];

    public static string PipelineErrorQueueList => $"{string.Join(", ", PipelineErrorQueues.SkipLast(1))} or {PipelineErrorQueues[^1]}";

    /// <summary>Why <paramref name="queue"/> cannot be redriven, or null.</summary>
    public static string? Refusal(string queue) =>
        queue.EndsWith(ErrorSuffix, StringComparison.Ordinal) && queue.Length > ErrorSuffix.Length
            ? null
            : $"'{queue}' is not an error queue: --queue must name a MassTransit error queue ending in {ErrorSuffix}, " +
              $"e.g. {PipelineErrorQueueList}.";

    /// <summary>The queue a failed message came from: MassTransit's fault header, else the error queue's name without <c>_error</c>.</summary>
    public static string DestinationOf(string errorQueue, IDictionary<string, object?>? headers)
    {
        if (headers is not null && headers.TryGetValue(FaultInputAddressHeader, out var value)
            && Text(value) is { } address && Uri.TryCreate(address, UriKind.Absolute, out var input)
            && input.AbsolutePath.TrimEnd('/').Split('/')[^1] is { Length: > 0 } name)
            return Uri.UnescapeDataString(name);
        return errorQueue[..^ErrorSuffix.Length];
    }

    /// <summary>
    /// The original properties and headers, without MassTransit's fault description (it described the failure being
    /// retried) and with the number of redrives so far plus one.
    /// </summary>
    public static BasicProperties PropertiesForRedrive(IReadOnlyBasicProperties original)
    {
        var properties = new BasicProperties(original);
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal);
        var redrives = 0;
        foreach (var (key, value) in original.Headers ?? new Dictionary<string, object?>())
        {
            if (key.StartsWith("MT-Fault-", StringComparison.Ordinal) || key == "MT-Reason")
                continue;
            if (key == RedriveCountHeader)
                redrives = value switch { int i => i, long l => (int)l, _ => 0 };
            else
                headers[key] = value;
        }
        headers[RedriveCountHeader] = redrives + 1;
        properties.Headers = headers;
        return properties;
    }

    /// <summary>
    /// The station of a message as MassTransit's envelope carries it (<c>message.stationId</c>: every pipeline message has
    /// one), or null for a body that is not such an envelope.
    /// </summary>
    public static string? StationOf(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var envelope = JsonDocument.Parse(body);
            return envelope.RootElement.ValueKind == JsonValueKind.Object
                   && Property(envelope.RootElement, "message") is { ValueKind: JsonValueKind.Object } message
                   && Property(message, "stationId") is { ValueKind: JsonValueKind.String } station
                ? station.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }

        static JsonElement? Property(JsonElement element, string name) =>
            element.EnumerateObject().Where(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(p => (JsonElement?)p.Value).FirstOrDefault();
    }

    /// <summary>
    /// Moves (or, with <see cref="RedriveSelection.Discard"/>, deletes) at most <paramref name="max"/> of the selected
    /// messages, and never looks at more than the error queue held at the start, so a message that fails again right
    /// away is not moved round in circles. The messages not selected go back to the error queue as they were.
    /// </summary>
    /// <exception cref="RedriveException">A destination queue is missing or the broker refused a copy; nothing was lost.</exception>
    /// <exception cref="CliException">The broker cannot be reached.</exception>
    public static async Task<RedriveResult> RunAsync(Uri rabbitMq, string errorQueue, int? max, RedriveSelection selection,
        CancellationToken cancellationToken)
    {
        await using var connection = await RabbitMqAddress.ConnectAsync(rabbitMq, "harmattan redrive", cancellationToken);
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);

        // MassTransit declares an error queue with the first message that fails: no queue, nothing ever failed there.
        if (await MessageCountAsync(connection, errorQueue, cancellationToken) is not { } waiting)
            return new RedriveResult(errorQueue, new Dictionary<string, int>(), new Dictionary<string, int>(), 0, QueueExists: false);
        var limit = (uint)(max ?? int.MaxValue);
        var movedTo = new Dictionary<string, int>(StringComparer.Ordinal);
        var discardedOf = new Dictionary<string, int>(StringComparer.Ordinal);
        var checkedDestinations = new HashSet<string>(StringComparer.Ordinal);
        // Messages of other stations are held unacknowledged, so that the next get reaches past them, and handed back
        // at the end; closing the channel would hand them back too, whatever happens before.
        var passedOver = new List<ulong>();
        uint left;
        try
        {
            for (uint seen = 0, taken = 0; seen < waiting && taken < limit && !cancellationToken.IsCancellationRequested;)
            {
                // Once a batch is taken, its move completes even on Ctrl-C; the check above stops between batches.
                var batch = new List<(BasicGetResult Message, string Destination, string? Station)>();
                while (batch.Count < BatchSize && seen < waiting && taken < limit
                       && await channel.BasicGetAsync(errorQueue, autoAck: false, CancellationToken.None) is { } message)
                {
                    seen++;
                    var station = selection.Stations.Count == 0 ? null : StationOf(message.Body);
                    if (!selection.Takes(station))
                    {
                        passedOver.Add(message.DeliveryTag);
                        continue;
                    }
                    taken++;
                    batch.Add((message, DestinationOf(errorQueue, message.BasicProperties.Headers), station));
                }
                if (batch.Count == 0)
                    break;
                if (selection.Discard)
                {
                    foreach (var (message, _, station) in batch)
                    {
                        await channel.BasicAckAsync(message.DeliveryTag, multiple: false, CancellationToken.None);
                        discardedOf[station ?? ""] = discardedOf.GetValueOrDefault(station ?? "") + 1;
                    }
                    continue;
                }
                foreach (var destination in batch.Select(b => b.Destination).Where(checkedDestinations.Add))
                    if (await MessageCountAsync(connection, destination, CancellationToken.None) is null)
                        throw new RedriveException(
                            $"The queue {destination}, where the messages of {errorQueue} came from, does not exist on {RabbitMqAddress.Describe(rabbitMq)}: " +
                            "start the service that consumes it once, then redrive again. The messages stay in the error queue.");

                // The copies are confirmed together (one disk sync for many), and each original is acknowledged only
                // after its own copy was confirmed.
                var published = batch.Select(b => PublishAsync(channel, b.Destination, b.Message)).ToList();
                Exception? failure = null;
                foreach (var ((message, destination, _), publish) in batch.Zip(published))
                {
                    try
                    {
                        await publish;
                    }
                    catch (PublishException ex)
                    {
                        failure ??= new RedriveException(
                            $"RabbitMQ {(ex.IsReturn ? "could not route" : "refused")} the copy of a message to {destination}; " +
                            "the message stays in the error queue.", ex);
                        continue;
                    }
                    await channel.BasicAckAsync(message.DeliveryTag, multiple: false, CancellationToken.None);
                    movedTo[destination] = movedTo.GetValueOrDefault(destination) + 1;
                }
                if (failure is not null)
                    throw failure;
            }
            // Counted while the messages passed over are still held: the broker's count lags behind their hand-back.
            left = (await MessageCountAsync(connection, errorQueue, CancellationToken.None) ?? 0) + (uint)passedOver.Count;
        }
        finally
        {
            if (channel.IsOpen)
                foreach (var tag in passedOver)
                    await channel.BasicNackAsync(tag, multiple: false, requeue: true, CancellationToken.None);
        }
        return new RedriveResult(errorQueue, movedTo, discardedOf, left, WaitingAtStart: waiting);
    }

    private static Task PublishAsync(IChannel channel, string destination, BasicGetResult message) =>
        channel.BasicPublishAsync("", destination, mandatory: true, PropertiesForRedrive(message.BasicProperties), message.Body,
            CancellationToken.None).AsTask();


    /// <summary>Messages ready in <paramref name="queue"/>, or null when it does not exist.</summary>
    private static async Task<uint?> MessageCountAsync(IConnection connection, string queue, CancellationToken cancellationToken)
    {
        // A passive declare of a missing queue closes its channel, so it gets a channel of its own.
        await using var probe = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            return (await probe.QueueDeclarePassiveAsync(queue, cancellationToken)).MessageCount;
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return null;
        }
    }

    private static string? Text(object? value) => value switch
    {
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        string text => text,
        _ => null,
    };
}

public sealed class RedriveException(string message, Exception? innerException = null) : Exception(message, innerException);
