using System.Text;
using Harmattan.Cli.Operations;
using Harmattan.Hosting;
using RabbitMQ.Client;

namespace Harmattan.IntegrationTests.Operations;

/// <summary>
/// A redrive of some stations' messages only: a mistyped station's fetches fail for good, and deleting them must leave
/// the other stations' failures in the error queue, in their order, to move back once their cause is fixed.
/// </summary>
public sealed class RedriveSelectionTests
{
    private const string Mistyped = "90000001";
    private const string Real = "900000002";
    private static readonly string Queue = QueueNames.FetchStationWindow;
    private static readonly string ErrorQueue = QueueNames.ErrorQueue(QueueNames.FetchStationWindow);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Discarding_a_station_deletes_its_messages_only_and_the_others_stay_in_order_to_be_moved_back()
    {
        await using var vhost = await RabbitMqVirtualHost.CreateAsync();
        var broker = new Uri(vhost.ConnectionString);
        await using (var connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync(Ct))
        await using (var channel = await connection.CreateChannelAsync(cancellationToken: Ct))
        {
            await channel.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: Ct);
            await channel.QueueDeclareAsync(ErrorQueue, durable: true, exclusive: false, autoDelete: false, cancellationToken: Ct);
            foreach (var body in new[] { Envelope(Mistyped, 1), Envelope(Real, 2), Envelope(Mistyped, 3), "not json", Envelope(Real, 4), Envelope(Mistyped, 5) })
                await channel.BasicPublishAsync("", ErrorQueue, Encoding.UTF8.GetBytes(body), Ct);
        }

        var discarded = await ErrorQueueRedrive.RunAsync(broker, ErrorQueue, max: null,
            new RedriveSelection(new HashSet<string> { Mistyped }, Discard: true), Ct);

        Assert.Equal(new Dictionary<string, int> { [Mistyped] = 3 }, discarded.DiscardedOf);
        Assert.Equal(0, discarded.Moved);
        Assert.Equal(3u, discarded.LeftInErrorQueue);
        Assert.Equal((6u, 0u), (discarded.WaitingAtStart, discarded.ArrivedSince));
        await HandedBackAsync(vhost, ErrorQueue, 3);

        // As an operator types it, with no extractor running: the message waits in its queue, and the command says why.
        await using var redrive = ServiceProcess.StartCli(["redrive", "--queue", ErrorQueue, "--station", Real, "--max", "1"],
            new Dictionary<string, string> { ["ConnectionStrings__RabbitMq"] = vhost.ConnectionString });
        Assert.True(await redrive.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 0, redrive.Output);

        Assert.Contains($"Moved 1 message(s) from {ErrorQueue} to {Queue}", redrive.Output);
        Assert.Contains("2 message(s) left in", redrive.Output);
        Assert.Contains($"Warning: no extractor is consuming {Queue}: start the extractor", redrive.Output);
        Assert.Equal(["window 2"], await DrainAsync(broker, Queue));
        Assert.Equal(["not json", "window 4"], await DrainAsync(broker, ErrorQueue));
    }

    /// <summary>
    /// Waits until the broker counts the messages passed over as ready again: it takes them back a moment after the
    /// redrive let go of them.
    /// </summary>
    private static async Task HandedBackAsync(RabbitMqVirtualHost vhost, string queue, int expected)
    {
        var listing = "";
        for (var attempt = 0; attempt < 50; attempt++)
        {
            listing = await RabbitMqVirtualHost.RabbitMqCtlAsync("list_queues", "-q", "-p", vhost.Name, "name", "messages_ready");
            if (listing.Split('\n').Any(line => line.Split('\t') is [var name, var ready] && name == queue && ready.Trim() == $"{expected}"))
                return;
            await Task.Delay(200, Ct);
        }
        Assert.Fail($"{queue} never held {expected} ready messages:\n{listing}");
    }

    /// <summary>A fetch command as MassTransit's envelope carries it; <paramref name="window"/> tells the messages apart.</summary>
    private static string Envelope(string station, int window) =>
        $$$"""{"messageId":"{{{Guid.NewGuid()}}}","messageType":["urn:message:Harmattan.Contracts:FetchStationWindow"],"message":{"stationId":"{{{station}}}","requestedBy":"window {{{window}}}"}}""";

    /// <summary>What each message of the queue is, in order: its requestedBy, or the body when it is not an envelope.</summary>
    private static async Task<List<string>> DrainAsync(Uri broker, string queue)
    {
        await using var connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync(Ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: Ct);
        var messages = new List<string>();
        while (await channel.BasicGetAsync(queue, autoAck: true, Ct) is { } message)
        {
            var body = Encoding.UTF8.GetString(message.Body.Span);
            messages.Add(body.StartsWith('{') ? System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("message").GetProperty("requestedBy").GetString()! : body);
        }
        return messages;
    }
}
