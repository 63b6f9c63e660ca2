using MassTransit;

namespace Harmattan.Transformer;

public static class TransformerRegistration
{
    public static IServiceCollection AddTransformer(this IServiceCollection services, IConfiguration configuration)
    {
        return services;
    }

    public static IBusRegistrationConfigurator AddTransformerConsumers(this IBusRegistrationConfigurator bus)
    {
        return bus;
    }
}
