using Harmattan.Hosting;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Harmattan.Cli.Pipeline;

/// <summary>The depth of one error queue; null when the queue has not been declared (nothing ever failed there).</summary>
public sealed record ErrorQueueDepth(string Queue, uint? Messages);

/// <summary>The error queues' depths, or why RabbitMQ could not be asked.</summary>
public sealed record ErrorQueueReport(string Broker, IReadOnlyList<ErrorQueueDepth> Queues, string? Unreachable)
{
    /// <summary>
    /// Asks RabbitMQ over AMQP with a passive declare per queue (no management plugin needed). A missing queue closes
    /// the channel with 404, so each queue gets its own channel.
    /// </summary>
    public static async Task<ErrorQueueReport> ReadAsync(Uri rabbitMqUri, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var broker = RabbitMqAddress.Describe(rabbitMqUri);
        var factory = RabbitMqAddress.Factory(rabbitMqUri, "harmattan status");
        factory.RequestedConnectionTimeout = timeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await using var connection = await factory.CreateConnectionAsync(deadline.Token);
            var depths = new List<ErrorQueueDepth>();
            foreach (var queue in QueueNames.All.Select(QueueNames.ErrorQueue))
            {
                await using var channel = await connection.CreateChannelAsync(cancellationToken: deadline.Token);
                try
                {
                    var declared = await channel.QueueDeclarePassiveAsync(queue, deadline.Token);
                    depths.Add(new ErrorQueueDepth(queue, declared.MessageCount));
                }
                catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == Constants.NotFound)
                {
                    depths.Add(new ErrorQueueDepth(queue, null));
                }
            }
            return new ErrorQueueReport(broker, depths, null);
        }
        catch (Exception ex) when (RabbitMqAddress.IsUnreachable(ex) && !cancellationToken.IsCancellationRequested)
        {
            return new ErrorQueueReport(broker, [], RabbitMqAddress.Unreachable(rabbitMqUri, ex));
        }
    }
}
