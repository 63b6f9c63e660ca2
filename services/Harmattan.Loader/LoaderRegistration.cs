using MassTransit;

namespace Harmattan.Loader;

public static class LoaderRegistration
{
    public static IServiceCollection AddLoader(this IServiceCollection services, IConfiguration configuration)
    {
        return services;
    }

    public static IBusRegistrationConfigurator AddLoaderConsumers(this IBusRegistrationConfigurator bus)
    {
        return bus;
    }
}
