using Harmattan.Hosting;
using Harmattan.Stations;
using Harmattan.Storage;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Harmattan.Loader;

public static class LoaderRegistration
{
    public static IServiceCollection AddLoader(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<LoaderOptions>(LoaderOptions.Section);
        services.AddPipelineStore(configuration);
        services.TryAddSingleton<StoreSchemaWatch>();
        services.AddMetrics();
        // Validated at start as the extractor's: the loader reports the data age of the stations listed there.
        services.AddStations(configuration);
        services.AddSingleton(provider => ActivatorUtilities.CreateInstance<StationFreshness>(provider,
            // One argument, not a string[] spread into CreateInstance's params object[].
            (IEnumerable<string>)[.. provider.GetRequiredService<IOptions<StationsOptions>>().Value.Stations.Select(s => s.Id)]));
        services.AddHostedService(provider => provider.GetRequiredService<StationFreshness>());
        services.AddHostedService<StoreWriteSeries>();
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

    public static IBusRegistrationConfigurator AddLoaderConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<ArchiveRawReadingsConsumer, ArchiveRawReadingsConsumerDefinition>();
        bus.AddConsumer<StoreAveragesConsumer, StoreAveragesConsumerDefinition>();
        return bus;
    }
}
