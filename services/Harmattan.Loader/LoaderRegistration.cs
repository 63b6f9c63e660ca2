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
        return services;
    }

    public static IBusRegistrationConfigurator AddLoaderConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<RawReadingsFetchedConsumer, RawReadingsFetchedConsumerDefinition>();
        bus.AddConsumer<AveragesComputedConsumer, AveragesComputedConsumerDefinition>();
        return bus;
    }
}
