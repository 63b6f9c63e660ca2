using MassTransit;

namespace Harmattan.Extractor;

public static class ExtractorRegistration
{
    public static IServiceCollection AddExtractor(this IServiceCollection services, IConfiguration configuration)
    {
        return services;
    }

    public static IBusRegistrationConfigurator AddExtractorConsumers(this IBusRegistrationConfigurator bus)
    {
        return bus;
    }
}
