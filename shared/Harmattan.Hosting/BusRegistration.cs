using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Harmattan.Hosting;

public static class BusRegistration
{
    public const string RabbitMqConnectionName = "RabbitMq";
    public const string DefaultRabbitMqUri = "amqp://guest:guest@localhost:5672/";

    /// <summary>
    /// MassTransit on RabbitMQ or in memory (<c>Bus:Transport</c>). Each consumer definition sets its endpoint's retry
    /// policy (see <see cref="MessageRetry"/>); a message that still fails goes to the endpoint's <c>_error</c> queue.
    /// </summary>
    /// <param name="allServicesInThisProcess">
    /// The process hosts the three services (<c>harmattan run</c>), the one case where the in-memory transport can carry
    /// their messages; anywhere else <c>Bus:Transport</c> InMemory is refused, as what the process publishes would reach
    /// no one and nothing would reach it.
    /// </param>
    /// <exception cref="InvalidSettingException">Bus:Transport is InMemory in a process that does not host all the services.</exception>
    public static IServiceCollection AddHarmattanBus(this IServiceCollection services, IConfiguration configuration,
        Action<IBusRegistrationConfigurator> registerConsumers, bool allServicesInThisProcess = false)
    {
        services.AddValidatedOptions<BusOptions>(BusOptions.Section, BusOptions.Validate);
        var options = configuration.GetSection(BusOptions.Section).Get<BusOptions>() ?? new BusOptions();
        if (options.Transport == BusTransport.InMemory && !allServicesInThisProcess)
            throw new InvalidSettingException(
                "Bus:Transport 'InMemory' joins only services that run in one process (harmattan run); here what is published " +
                "would reach no one and nothing would reach this process: remove the setting (environment variable " +
                "Bus__Transport) to use RabbitMQ, named by ConnectionStrings__RabbitMq.");

        services.AddOptions<MassTransitHostOptions>().Configure(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = options.StartTimeout;
            o.StopTimeout = options.StopTimeout;
            // Consumers still running this long into a stop are cancelled, so the bus stops within StopTimeout.
            o.ConsumerStopTimeout = options.StopTimeout * 0.8;
        });
        // The host must wait at least as long as MassTransit drains in-flight messages.
        services.Configure<HostOptions>(o => o.ShutdownTimeout = options.StopTimeout + TimeSpan.FromSeconds(15));

        services.AddMassTransit(bus =>
        {
            bus.SetKebabCaseEndpointNameFormatter();
            // MassTransit otherwise reports how the bus is configured to its makers over the internet after start: the
            // pipeline sends nothing anywhere its operators did not configure (and offline it logged a warning each time).
            bus.DisableUsageTelemetry();
            registerConsumers(bus);

            if (options.Transport == BusTransport.InMemory)
            {
                bus.UsingInMemory((context, cfg) =>
                {
                    cfg.ConfigureJsonSerializerOptions(MessageJson.Configure);
                    cfg.AddDeserializer(EnvelopeJsonDeserializer.Factory, isDefault: true);
                    cfg.ConfigureEndpoints(context);
                });
                return;
            }

            var uri = RabbitMqUri(configuration);
            if (options.QuorumQueues)
                // Only the service queues: the CLI's temporary (auto-delete) queues cannot be quorum queues.
                bus.AddConfigureEndpointsCallback((name, endpoint) =>
                {
                    if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit && QueueNames.All.Contains(name))
                        rabbit.SetQuorumQueue();
                });
            bus.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(uri);
                if (options.PrefetchCount is { } prefetch)
                    cfg.PrefetchCount = prefetch;
                cfg.ConfigureJsonSerializerOptions(MessageJson.Configure);
                cfg.AddDeserializer(EnvelopeJsonDeserializer.Factory, isDefault: true);
                cfg.ConfigureEndpoints(context);
            });
        });
        // After MassTransit's, which waits until the bus has started: the broker answers by then.
        if (options.Transport == BusTransport.RabbitMq && options.QuorumQueues)
            services.AddHostedService(provider => new QuorumErrorQueues(RabbitMqUri(configuration),
                provider.GetRequiredService<ILogger<QuorumErrorQueues>>()));
        return services;
    }

    /// <summary>
    /// Where to send a command for <paramref name="queue"/>. A <c>queue:</c> address declares the queue, so commands
    /// wait even before the consumer first starts; with quorum queues the sender must not declare it (RabbitMQ refuses a
    /// classic declaration of a quorum queue), so commands go to the endpoint's exchange, which the consumer binds.
    /// </summary>
    public static Uri CommandAddress(string queue, IServiceProvider services) =>
        services.GetRequiredService<IOptions<BusOptions>>().Value.QuorumQueues
            ? new Uri($"exchange:{queue}")
            : new Uri($"queue:{queue}");

    /// <summary>MassTransit also accepts rabbitmq:// and rabbitmqs://; RabbitMQ.Client only amqp:// and amqps://.</summary>
    public static Uri ForRabbitMqClient(Uri uri) => uri.Scheme switch
    {
        "rabbitmq" => new UriBuilder(uri) { Scheme = "amqp" }.Uri,
        "rabbitmqs" => new UriBuilder(uri) { Scheme = "amqps" }.Uri,
        _ => uri,
    };

    /// <summary>The RabbitMQ URI from <c>ConnectionStrings:RabbitMq</c>, validated so a typo is reported by key.</summary>
    public static Uri RabbitMqUri(IConfiguration configuration)
    {
        var value = configuration.GetConnectionString(RabbitMqConnectionName);
        if (string.IsNullOrWhiteSpace(value))
            value = DefaultRabbitMqUri;
        // "rabbitmq:5672" parses as a URI of scheme rabbitmq with no host, and would fail at connect time as a refused login.
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps" or "rabbitmq" or "rabbitmqs")
            || string.IsNullOrEmpty(uri.Host)
            // A second ':' is a password's, which the client would split at, and then print in its error.
            || uri.UserInfo.Count(c => c == ':') > 1)
            throw new InvalidSettingException(
                "ConnectionStrings:RabbitMq must be an AMQP URI such as amqp://user:password@host:5672/vhost " +
                "(environment variable ConnectionStrings__RabbitMq); a : / ? # @ or % in the user or the password is written " +
                "%3A %2F %3F %23 %40 %25.");
        return uri;
    }
}
