using System.Net;
using Harmattan.Hosting;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Harmattan.Tests.Hosting;

public class ServiceDefaultsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>MassTransit's bus check says Degraded once the broker is lost: not ready either.</summary>
    [Theory]
    [InlineData(HealthStatus.Unhealthy)]
    [InlineData(HealthStatus.Degraded)]
    public async Task Live_answers_while_ready_reports_the_failing_check(HealthStatus failing)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddServiceDefaults("test", defaultPort: 0);
        builder.Services.AddHealthChecks().AddCheck("store", () => new HealthCheckResult(failing, "store unreachable"), [ServiceDefaults.ReadyTag]);
        await using var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync(Ct);
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        var live = await http.GetAsync("/health/live", Ct);
        var ready = await http.GetAsync("/health/ready", Ct);

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains($"store: {failing} - store unreachable", await ready.Content.ReadAsStringAsync(Ct));
        await app.StopAsync(Ct);
    }

    [Fact]
    public async Task A_connection_string_of_no_known_name_stops_the_service_at_start()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:RabitMq"] = "amqp://rabbitmq:5672/" });
        builder.AddServiceDefaults("test", defaultPort: 0);
        await using var app = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(Ct));

        Assert.Equal("ConnectionStrings:RabitMq is not a setting (environment variable ConnectionStrings__RabitMq): did you mean ConnectionStrings:RabbitMq?",
            error.Message);
    }

    [Fact]
    public async Task A_connection_string_under_a_misspelt_section_stops_the_service_at_start()
    {
        // Left alone, the service would connect to the default broker, localhost, which in a container is itself.
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionString:RabbitMq"] = "amqp://rabbitmq:5672/" });
        builder.AddServiceDefaults("test", defaultPort: 0);
        await using var app = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(Ct));

        Assert.Equal("ConnectionString:RabbitMq is not a setting (environment variable ConnectionString__RabbitMq): did you mean ConnectionStrings:RabbitMq?",
            error.Message);
    }

    [Theory]
    [InlineData("Buss:PrefetchCount", "Buss:PrefetchCount is not a setting (environment variable Buss__PrefetchCount): did you mean Bus:PrefetchCount?")]
    [InlineData("bu:RetryLimit", "bu:RetryLimit is not a setting (environment variable bu__RetryLimit): did you mean Bus:RetryLimit?")]
    public void A_setting_under_a_misspelt_section_is_refused_naming_the_section_meant(string key, string expected)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = "4" }).Build());
        services.AddValidatedOptions<BusOptions>(BusOptions.Section, BusOptions.Validate);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<BusOptions>>().Value);

        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void Sections_further_from_a_settings_section_are_left_to_whoever_reads_them()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Bucket:Name"] = "readings", ["Logging:LogLevel:Default"] = "Warning", ["Bus:RetryLimit"] = "3",
        }).Build());
        services.AddValidatedOptions<BusOptions>(BusOptions.Section, BusOptions.Validate);
        using var provider = services.BuildServiceProvider();

        Assert.Equal(3, provider.GetRequiredService<IOptions<BusOptions>>().Value.RetryLimit);
    }

    [Fact]
    public async Task A_sink_named_in_configuration_receives_the_log()
    {
        var path = Path.Combine(Path.GetTempPath(), $"harmattan-sink-{Guid.NewGuid():N}.log");
        try
        {
            var builder = WebApplication.CreateBuilder();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Serilog:WriteTo:0:Name"] = "File",
                ["Serilog:WriteTo:0:Args:path"] = path,
            });
            builder.AddServiceDefaults("test", defaultPort: 0);
            await using (var app = builder.Build())
                app.Services.GetRequiredService<ILogger<ServiceDefaultsTests>>().LogWarning("configured sink {Marker}", "c0ffee");

            Assert.Contains("configured sink c0ffee", await File.ReadAllTextAsync(path, Ct));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_RabbitMQ_connection_string_that_is_not_an_AMQP_URI_is_reported_by_key_without_its_password()
    {
        var configuration = Configuration(("ConnectionStrings:RabbitMq", "host=rabbit;password=s3cret"));

        var error = Assert.Throws<InvalidSettingException>(() => BusRegistration.RabbitMqUri(configuration));

        Assert.Contains("ConnectionStrings:RabbitMq", error.Message);
        Assert.DoesNotContain("s3cret", error.Message);
    }

    [Fact]
    public void The_default_broker_is_the_local_RabbitMQ()
    {
        Assert.Equal(new Uri("amqp://guest:guest@localhost:5672/"), BusRegistration.RabbitMqUri(Configuration()));
    }

    [Theory]
    [InlineData("Bus:PrefetchCount", "0", "Bus:PrefetchCount")]
    [InlineData("Bus:RetryLimit", "50", "Bus:RetryLimit")]
    [InlineData("Bus:StopTimeout", "00:00:00", "Bus:StopTimeout")]
    public void Bad_bus_settings_are_refused_naming_the_key(string key, string value, string named)
    {
        var configuration = Configuration((key, value), ("Bus:Transport", "InMemory"));
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddHarmattanBus(configuration, _ => { }, allServicesInThisProcess: true);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<BusOptions>>().Value);
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void A_retry_floor_above_its_ceiling_is_refused_naming_both_keys()
    {
        var configuration = Configuration(("Bus:Transport", "InMemory"),
            ("Bus:RetryMinInterval", "00:00:30"), ("Bus:RetryMaxInterval", "00:00:10"));
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddHarmattanBus(configuration, _ => { }, allServicesInThisProcess: true);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<BusOptions>>().Value);
        Assert.Contains("Bus:RetryMinInterval (00:00:30) must not be longer than Bus:RetryMaxInterval (00:00:10)", error.Message);
    }

    [Theory]
    [InlineData("InMemory")]
    [InlineData("RabbitMq")]
    public void The_bus_reports_no_usage_telemetry_to_MassTransits_makers(string transport)
    {
        var configuration = Configuration(("Bus:Transport", transport));
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddHarmattanBus(configuration, _ => { }, allServicesInThisProcess: true);
        using var provider = services.BuildServiceProvider();

        Assert.False(provider.GetRequiredService<IOptions<UsageTelemetryOptions>>().Value.Enabled);
    }

    [Fact]
    public void A_refused_broker_login_is_named_in_the_reason_a_service_gives_for_stopping()
    {
        var refused = new RabbitMqConnectionException("Broker unreachable: guest@localhost:5672/",
            new RabbitMQ.Client.Exceptions.BrokerUnreachableException(
                new RabbitMQ.Client.Exceptions.AuthenticationFailureException("ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN.")));

        Assert.Equal("Broker unreachable: guest@localhost:5672/ (ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN.). " +
            "The broker refused the user or password of ConnectionStrings__RabbitMq: under docker compose RabbitMQ keeps the " +
            "RABBITMQ_USER and RABBITMQ_PASSWORD its volume was created with; set them back, or change the broker's with " +
            "rabbitmqctl change_password USER PASSWORD.",
            ServiceDefaults.StopReason(refused));
        Assert.Equal("Stations:0:Id is missing", ServiceDefaults.StopReason(new InvalidOperationException("Stations:0:Id is missing")));
    }

    [Fact]
    public async Task Ready_on_a_public_port_names_the_failing_check_without_its_description()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddServiceDefaults("test", defaultPort: 0);
        builder.Services.AddHealthChecks().AddCheck("pipeline-store",
            () => HealthCheckResult.Unhealthy("no store at /srv/harmattan/harmattan.db"), [ServiceDefaults.ReadyTag]);
        await using var app = builder.Build();
        app.MapDefaultEndpoints(describeChecks: false);
        await app.StartAsync(Ct);
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        var ready = await http.GetAsync("/health/ready", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("Unhealthy\npipeline-store: Unhealthy\n", await ready.Content.ReadAsStringAsync(Ct));
        await app.StopAsync(Ct);
    }

    [Fact]
    public async Task A_port_another_process_listens_on_is_named_with_the_setting_that_moves_the_service()
    {
        using var other = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        other.Start();
        var port = ((IPEndPoint)other.LocalEndpoint).Port;
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.AddServiceDefaults("test", defaultPort: port);
        await using var app = builder.Build();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync(Ct));

        var reason = ServiceDefaults.StopReason(error);
        Assert.Contains($"127.0.0.1:{port}", reason);
        Assert.EndsWith("give this service another address with ASPNETCORE_URLS (ASPNETCORE_URLS=http://localhost:PORT with a free PORT; " +
            "http://+:PORT in a container).", reason);
    }

    [Theory]
    [InlineData("Serilog:MinimumLevel", "Verbos")]
    [InlineData("Serilog:MinimumLevel:Default", "Debg")]
    [InlineData("Serilog:MinimumLevel:Override:MassTransit", "warn")]
    public void A_log_level_serilog_does_not_know_stops_a_service_naming_its_key(string key, string level)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection([new(key, level)]);

        var error = Assert.Throws<InvalidSettingException>(() => builder.AddServiceDefaults("test", defaultPort: 0));

        Assert.Equal($"{key} '{level}' is not a log level (environment variable {key.Replace(":", "__")}): use one of Verbose, Debug, " +
            "Information, Warning, Error, Fatal.", ServiceDefaults.StopReason(error));
        ServiceDefaults.RequireLogLevels(Configuration((key, "warning")));
        ServiceDefaults.RequireLogLevels(Configuration((key, "2")));
        // What Serilog reads as no override, or as a level switch's name.
        ServiceDefaults.RequireLogLevels(Configuration(("Serilog:MinimumLevel:Override:Polly", ""), ("Serilog:MinimumLevel:Override:MassTransit", "$quiet")));
    }

    [Fact]
    public void A_setting_of_the_wrong_type_is_named_in_the_reason_a_service_gives_for_stopping()
    {
        var configuration = Configuration(("Bus:Transport", "InMemory"), ("Bus:PrefetchCount", "many"));
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);

        var error = Assert.ThrowsAny<Exception>(() => services.AddHarmattanBus(configuration, _ => { }, allServicesInThisProcess: true));
        Assert.Equal("Bus:PrefetchCount 'many' is not a whole number (environment variable Bus__PrefetchCount).",
            ServiceDefaults.StopReason(error));
    }

    [Fact]
    public void The_in_memory_transport_is_refused_where_the_process_does_not_host_every_service()
    {
        var configuration = Configuration(("Bus:Transport", "InMemory"));

        var error = Assert.Throws<InvalidSettingException>(() => new ServiceCollection().AddHarmattanBus(configuration, _ => { }));

        Assert.StartsWith("Bus:Transport 'InMemory' joins only services that run in one process (harmattan run)", error.Message);
        Assert.Contains("Bus__Transport", error.Message);
        Assert.Equal(error.Message, ServiceDefaults.StopReason(error));
    }

    [Fact]
    public void An_unknown_transport_is_refused_naming_the_key()
    {
        var configuration = Configuration(("Bus:Transport", "Kafka"));

        var error = Assert.ThrowsAny<Exception>(() => new ServiceCollection().AddHarmattanBus(configuration, _ => { }));

        Assert.Contains("Bus:Transport", error.Message);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
}
