using Harmattan.Hosting;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Harmattan.Cli.Pipeline;

/// <summary>
/// The broker from <c>ConnectionStrings:RabbitMq</c> (or <c>--rabbitmq</c>): how to name it without its password, how
/// to reach it with RabbitMQ.Client, and the one message every command gives when it cannot.
/// </summary>
public static class RabbitMqAddress
{
    /// <summary>How long a command waits for the broker before saying it is unreachable.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Host, port and virtual host: what identifies the broker without the credentials.</summary>
    public static string Describe(Uri uri)
    {
        var vhost = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        return $"{uri.Host}:{(uri.IsDefaultPort || uri.Port < 0 ? 5672 : uri.Port)}, vhost {(vhost.Length == 0 ? "/" : vhost)}";
    }

    public static ConnectionFactory Factory(Uri uri, string clientName) => new()
    {
        Uri = BusRegistration.ForRabbitMqClient(uri),
        ClientProvidedName = clientName,
        AutomaticRecoveryEnabled = false,
        RequestedConnectionTimeout = ConnectTimeout,
    };

    /// <summary>
    /// Connects within <see cref="ConnectTimeout"/> (a closed port fails at once, a silent host after it) and opens a
    /// channel: a virtual host that does not exist, or that the user may not use, is refused only then.
    /// </summary>
    /// <exception cref="CliException">The broker cannot be reached or refuses the user or the virtual host.</exception>
    public static async Task<IConnection> ConnectAsync(Uri uri, string clientName, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(ConnectTimeout);
        IConnection? connection = null;
        try
        {
            connection = await Factory(uri, clientName).CreateConnectionAsync(deadline.Token);
            await (await connection.CreateChannelAsync(cancellationToken: deadline.Token)).DisposeAsync();
            return connection;
        }
        catch (Exception ex) when (IsUnreachable(ex) && !cancellationToken.IsCancellationRequested)
        {
            if (connection is not null)
                await connection.DisposeAsync();
            throw CliException.Failure(Unreachable(uri, ex));
        }
    }

    public static bool IsUnreachable(Exception ex) =>
        ex is BrokerUnreachableException or OperationInterruptedException or OperationCanceledException or IOException
            or TimeoutException or System.Net.Sockets.SocketException;

    /// <summary>One line: which broker, why (the exception names endpoints, never the password), and what to check.</summary>
    public static string Unreachable(Uri uri, Exception ex) =>
        $"RabbitMQ at {Describe(uri)} could not be reached ({Reason(ex)}): check that it runs and that the host, port, " +
        "virtual host, user and password in --rabbitmq or ConnectionStrings__RabbitMq are right.";

    public static string Reason(Exception ex) => ex switch
    {
        OperationCanceledException => $"no answer within {ConnectTimeout.TotalSeconds:0} s",
        _ when Flatten(ex).OfType<AuthenticationFailureException>().Any() => "the user or password was refused",
        // 530 NOT_ALLOWED: the virtual host does not exist, or the user has no permission on it.
        _ when Flatten(ex).OfType<OperationInterruptedException>().FirstOrDefault() is { ShutdownReason: { ReplyCode: 530 } refusal } =>
            $"refused: {refusal.ReplyText}",
        _ when Flatten(ex).OfType<System.Net.Sockets.SocketException>().FirstOrDefault() is { } socket => socket.Message,
        _ => ex.GetBaseException().Message,
    };

    private static IEnumerable<Exception> Flatten(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Flatten))
                    yield return inner;
        }
    }

    /// <summary>How many consumers <paramref name="queue"/> has, or null when it was never declared.</summary>
    public static async Task<uint?> ConsumerCountAsync(IConnection connection, string queue, CancellationToken cancellationToken)
    {
        // A passive declare of a missing queue closes its channel, so it gets a channel of its own.
        await using var probe = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            return (await probe.QueueDeclarePassiveAsync(queue, cancellationToken)).ConsumerCount;
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == Constants.NotFound)
        {
            return null;
        }
    }
}
