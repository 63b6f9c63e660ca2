using Harmattan.Hosting;
using Harmattan.Stations;
using Harmattan.Storage;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Harmattan.Loader;

public static class LoaderRegistration
{
    public static IServiceCollection AddLoader(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<LoaderOptions>(LoaderOptions.Section);
        services.AddPipelineStore(configuration);
        services.TryAddSingleton<StoreSchemaWatch>();
        services.AddMetrics();
        services.AddSingleton(provider => ActivatorUtilities.CreateInstance<StationFreshness>(provider, ConfiguredStationIds(configuration)));
        services.AddHostedService(provider => provider.GetRequiredService<StationFreshness>());
        services.AddArchivePruning(configuration);
        return services;
    }

    /// <summary>The periodic prune of the raw archive, unless <c>Archive:PruneEnabled</c> is false.</summary>
    public static IServiceCollection AddArchivePruning(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<ArchiveOptions>(ArchiveOptions.Section, ArchiveOptions.Validate);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<StoreSchemaWatch>();
        if (configuration.GetSection(ArchiveOptions.Section).Get<ArchiveOptions>()?.PruneEnabled ?? true)
            services.AddHostedService<ArchivePruneService>();
        return services;
    }

    /// <summary>The configured stations (or the defaults): their data age is reported even before this loader writes for them.</summary>
    private static IEnumerable<string> ConfiguredStationIds(IConfiguration configuration) =>
        StationsOptions.Read(configuration).Select(s => s.Id).ToArray();

    public static IBusRegistrationConfigurator AddLoaderConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<ArchiveRawReadingsConsumer, ArchiveRawReadingsConsumerDefinition>();
        bus.AddConsumer<StoreAveragesConsumer, StoreAveragesConsumerDefinition>();
        return bus;
    }
}
