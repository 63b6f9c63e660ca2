using Harmattan.Hosting;
using Harmattan.Storage;
using MassTransit;

namespace Harmattan.Loader;

public static class LoaderRegistration
{
    public static IServiceCollection AddLoader(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<LoaderOptions>(LoaderOptions.Section);
        services.AddPipelineStore(configuration);
        services.AddSingleton(provider => ActivatorUtilities.CreateInstance<StationFreshness>(provider, ConfiguredStationIds(configuration)));
        services.AddHostedService(provider => provider.GetRequiredService<StationFreshness>());
        return services;
    }

    /// <summary>The stations of <c>Stations:N:Id</c>: their data age is reported even before this loader writes for them.</summary>
    private static IEnumerable<string> ConfiguredStationIds(IConfiguration configuration) =>
        configuration.GetSection("Stations").GetChildren().Select(s => s["Id"]).OfType<string>().ToArray();

    public static IBusRegistrationConfigurator AddLoaderConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<RawReadingsFetchedConsumer, RawReadingsFetchedConsumerDefinition>();
        bus.AddConsumer<AveragesComputedConsumer, AveragesComputedConsumerDefinition>();
        return bus;
    }
}
