namespace Harmattan.Cli.Pipeline;

/// <summary>The broker address from <c>ConnectionStrings:RabbitMq</c>, for RabbitMQ.Client and for messages.</summary>
public static class RabbitMqAddress
{
    /// <summary>Host, port and virtual host: what identifies the broker without the credentials.</summary>
    public static string Describe(Uri uri)
    {
        var vhost = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        return $"{uri.Host}:{(uri.IsDefaultPort || uri.Port < 0 ? 5672 : uri.Port)}, vhost {(vhost.Length == 0 ? "/" : vhost)}";
    }

    /// <summary>MassTransit also accepts rabbitmq:// and rabbitmqs://; RabbitMQ.Client only amqp:// and amqps://.</summary>
    public static Uri ForRabbitMqClient(Uri uri) => uri.Scheme switch
    {
        "rabbitmq" => new UriBuilder(uri) { Scheme = "amqp" }.Uri,
        "rabbitmqs" => new UriBuilder(uri) { Scheme = "amqps" }.Uri,
        _ => uri,
    };
}
