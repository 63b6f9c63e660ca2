using Harmattan.Hosting.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyModel;
using Microsoft.Extensions.Hosting;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Settings.Configuration;

namespace Harmattan.Hosting;

public static class ServiceDefaults
{
    public const string ReadyTag = "ready";

    /// <summary>The logger used until the host is built (Serilog's two-stage initialisation).</summary>
    public static void CreateBootstrapLogger() =>
        Log.Logger = ConfigureConsole(new LoggerConfiguration().MinimumLevel.Information()).CreateBootstrapLogger();

    /// <summary>
    /// Why a service stopped, in one line: a setting's value it could not read, or the exception's message and its
    /// innermost cause where that says more. A refused RabbitMQ login, for one, reaches the service as "Broker
    /// unreachable" with the broker's answer inside.
    /// </summary>
    public static string StopReason(Exception ex) =>
        ConfigurationValueError.Describe(ex) ??
        (ex.GetBaseException() is var cause && cause != ex && !ex.Message.Contains(cause.Message, StringComparison.Ordinal)
            ? $"{ex.Message} ({cause.Message})"
            : ex.Message) + (Caused<RabbitMQ.Client.Exceptions.AuthenticationFailureException>(ex) ? RefusedBrokerLoginFix : "")
        + (Caused<Microsoft.AspNetCore.Connections.AddressInUseException>(ex) ? AddressInUseFix : "");

    // RabbitMQ creates its user from RABBITMQ_DEFAULT_USER/PASS only on an empty volume, so a password changed in a
    // compose .env afterwards is refused until the broker is told.
    private const string RefusedBrokerLoginFix =
        ". The broker refused the user or password of ConnectionStrings__RabbitMq: under docker compose RabbitMQ keeps " +
        "the RABBITMQ_USER and RABBITMQ_PASSWORD its volume was created with; set them back, or change the broker's with " +
        "rabbitmqctl change_password USER PASSWORD.";

    private const string AddressInUseFix =
        " Another process listens there (another copy of this service?): stop it, or give this service another address with " +
        "ASPNETCORE_URLS (ASPNETCORE_URLS=http://localhost:PORT with a free PORT; http://+:PORT in a container).";

    private static bool Caused<T>(Exception ex) where T : Exception
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
            if (e is T)
                return true;
        return false;
    }

    /// <summary>
    /// A service's builder, reading its <c>appsettings.json</c> beside the program wherever it is started from (the
    /// default is the current directory, where a service started from another folder found no settings file).
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[] args) =>
        WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

    /// <summary>
    /// Logging, health checks, shutdown timing and a default listen address for a Harmattan service.
    /// </summary>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, string serviceName, int defaultPort)
    {
        RequireLogLevels(builder.Configuration);
        builder.Services.AddSerilog((services, logger) =>
            ConfigureConsole(logger
                    .MinimumLevel.Information()
                    .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
                    .MinimumLevel.Override("Microsoft.Extensions.Http", LogEventLevel.Warning)
                    .MinimumLevel.Override("System.Net.Http.HttpClient", LogEventLevel.Warning)
                    // Polly writes an Information line for every request through the AirQino resilience pipeline;
                    // its retries, timeouts and circuit breaks are warnings and errors, and stay.
                    .MinimumLevel.Override("Polly", LogEventLevel.Warning)
                    // Sinks named in configuration are found in the deps file; without it Serilog also opens every DLL
                    // in the application's folder at start to look for them.
                    .ReadFrom.Configuration(builder.Configuration, new ConfigurationReaderOptions(DependencyContext.Default))
                    .ReadFrom.Services(services)
                    .Enrich.FromLogContext()
                    .Enrich.WithProperty("Service", serviceName)));

        builder.Services.AddValidatedOptions<ConnectionStringsOptions>(ConnectionStringsOptions.Section);
        builder.Services.AddHealthChecks();
        builder.Services.AddHarmattanTelemetry(builder.Configuration, serviceName);

        // Three services share a development machine: give each its own port unless one is configured.
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"])
            && string.IsNullOrEmpty(builder.Configuration["https_ports"]))
            builder.WebHost.UseUrls($"http://localhost:{defaultPort}");

        return builder;
    }

    /// <summary>
    /// Refuses a log level under <c>Serilog:MinimumLevel</c> that Serilog does not know, naming its key: Serilog's own error
    /// ("The value Debg is not a valid Serilog level.") names neither the key nor the levels.
    /// </summary>
    /// <exception cref="InvalidSettingException">A level is not one of Serilog's.</exception>
    public static void RequireLogLevels(IConfiguration configuration)
    {
        var minimum = configuration.GetSection("Serilog:MinimumLevel");
        // An override may also name a level switch ("$name", declared under Serilog:LevelSwitches), or be empty (ignored).
        IConfigurationSection[] levels = [minimum, minimum.GetSection("Default"),
            .. minimum.GetSection("Override").GetChildren().Where(o => !string.IsNullOrEmpty(o.Value) && !o.Value.StartsWith('$'))];
        foreach (var level in levels)
        {
            if (level.Value is { } value && !Enum.TryParse<LogEventLevel>(value, ignoreCase: true, out _))
                throw new InvalidSettingException($"{level.Path} '{value}' is not a log level (environment variable " +
                    $"{EnvironmentVariables.Of(level.Path)}): use one of {string.Join(", ", Enum.GetNames<LogEventLevel>())}.");
        }
    }

    /// <summary>
    /// Checks every setting validated at start now, before the host starts: a bad value then stops the service with its
    /// one fatal line, where the host would first log its own failure with a stack trace and the bus a failed stop.
    /// </summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is invalid.</exception>
    public static WebApplication ValidateSettings(this WebApplication app)
    {
        app.Services.GetService<Microsoft.Extensions.Options.IStartupValidator>()?.Validate();
        return app;
    }

    /// <summary>
    /// <c>/health/live</c>: the process answers. <c>/health/ready</c>: every check tagged "ready" passes (Degraded fails),
    /// with each check's status and, when <paramref name="describeChecks"/>, its description (which names files and hosts:
    /// left out where the port is public, the health check service logs it). <c>/metrics</c>: Prometheus.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app, bool describeChecks = true)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = (context, report) => WriteReport(context, report, describeChecks),
            // MassTransit reports a bus that lost its broker (every receive endpoint faulted) as Degraded, which ASP.NET
            // Core answers with 200: the compose healthcheck and the readiness probes would call it ready.
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
        app.MapMetricsEndpoint();
        return app;
    }

    private static LoggerConfiguration ConfigureConsole(LoggerConfiguration logger) =>
        Console.IsOutputRedirected
            ? logger.WriteTo.Console(new RenderedCompactJsonFormatter())
            : logger.WriteTo.Console(
                outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Service} {Message:lj}{NewLine}{Exception}");

    private static Task WriteReport(HttpContext context, HealthReport report, bool describeChecks)
    {
        context.Response.ContentType = "text/plain";
        var lines = report.Entries.Select(e => $"{e.Key}: {e.Value.Status}{(describeChecks && e.Value.Description is { } d ? " - " + d : "")}");
        return context.Response.WriteAsync($"{report.Status}\n{string.Join('\n', lines)}\n");
    }
}
