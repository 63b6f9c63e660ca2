using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Harmattan.Hosting;

/// <summary>
/// With quorum queues, declares the service queues' <c>_error</c> queues as the service starts. RabbitMQ 4 drops a
/// message of a quorum queue handed back 20 times (a consumer killed while holding it, as in a crash loop) unless the
/// queue has a dead-letter target; the operator's policy names each queue's <c>_error</c> queue as that target, but
/// MassTransit declares an <c>_error</c> queue only when a first message fails there, and RabbitMQ drops what it
/// dead-letters to a queue that does not exist. Declared as MassTransit declares them (durable, the service queue's
/// type), so its own later declaration is the same.
/// </summary>
internal sealed class QuorumErrorQueues(Uri broker, ILogger<QuorumErrorQueues> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var factory = new ConnectionFactory
            {
                Uri = BusRegistration.ForRabbitMqClient(broker),
                ClientProvidedName = "harmattan-error-queues",
                AutomaticRecoveryEnabled = false,
                RequestedConnectionTimeout = TimeSpan.FromSeconds(10),
            };
            await using var connection = await factory.CreateConnectionAsync(cancellationToken);
            foreach (var errorQueue in QueueNames.All.Select(QueueNames.ErrorQueue))
                try
                {
                    // A channel each: a refused declaration (a classic queue left from before the switch) closes its channel.
                    await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
                    await channel.QueueDeclareAsync(errorQueue, durable: true, exclusive: false, autoDelete: false,
                        arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }, cancellationToken: cancellationToken);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not BrokerUnreachableException)
                {
                    logger.LogWarning(ex, "Could not declare {Queue} as a quorum queue ({Reason}): a message RabbitMQ dead-letters to it " +
                        "is dropped until it is one", errorQueue, ex.GetBaseException().Message);
                }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Not fatal: MassTransit declares each one when a first message fails there.
            logger.LogWarning(ex, "Could not declare the quorum _error queues ({Reason}): until a first message fails in one, a " +
                "message RabbitMQ dead-letters to it is dropped", ex.GetBaseException().Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
