using System.Net.Http.Headers;
using System.Reflection;
using Harmattan.Extractor.Authentication;
using Harmattan.Extractor.Scheduling;
using Harmattan.Hosting;
using Harmattan.Stations;
using Harmattan.Storage;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace Harmattan.Extractor;

public static class ExtractorRegistration
{
    /// <summary>
    /// Harmattan and its release (the build's <c>Version</c>, a pre-release label included, without the commit that
    /// <c>harmattan --version</c> adds), so that AirQino's operators can tell releases apart.
    /// </summary>
    public static readonly ProductInfoHeaderValue UserAgent = new("Harmattan",
        typeof(ExtractorRegistration).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0]);

    /// <summary>
    /// AirQino and station options (validated at start), <see cref="TimeProvider.System"/> unless one is registered,
    /// the hourly fetch schedule (when <c>Schedule:Enabled</c>) and the resilient <see cref="AirQinoClient"/>.
    /// </summary>
    public static IServiceCollection AddExtractor(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddValidatedOptions<AirQinoOptions>(AirQinoOptions.Section, AirQinoOptions.Validate);
        services.AddStations(configuration);
        services.AddFetchSchedule(configuration);
        // The schedule reads each station's last fetch to warn about gaps beyond its lookback.
        if (configuration.GetSection(ScheduleOptions.Section).Get<ScheduleOptions>()?.Enabled ?? true)
            services.AddPipelineStoreForReading(configuration);

        services.AddHttpClient(AirQinoTokenClient.HttpClientName);
        services.TryAddSingleton<AirQinoTokenClient>();
        services.TryAddTransient<AirQinoBearerTokenHandler>();
        services.TryAddTransient<AirQinoRequestMetricsHandler>();
        var airQino = services.AddHttpClient<AirQinoClient>(client =>
            {
                // The resilience handler owns the timeouts (per attempt and in total).
                client.Timeout = Timeout.InfiniteTimeSpan;
                client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                client.DefaultRequestHeaders.UserAgent.Add(UserAgent);
            })
            // Outside the resilience handler: a 401 is answered once with a fresh token, not retried as transient.
            .AddHttpMessageHandler<AirQinoBearerTokenHandler>();
        airQino.AddStandardResilienceHandler()
            .Configure((HttpStandardResilienceOptions resilience, IServiceProvider provider) =>
                AirQinoClient.ConfigureResilience(resilience, provider.GetRequiredService<IOptions<AirQinoOptions>>().Value));
        // Inside it: every attempt is counted.
        airQino.AddHttpMessageHandler<AirQinoRequestMetricsHandler>();
        return services;
    }

    public static IBusRegistrationConfigurator AddExtractorConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<FetchStationWindowConsumer, FetchStationWindowConsumerDefinition>();
        return bus;
    }
}
