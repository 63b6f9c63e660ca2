using Harmattan.Hosting;
using MassTransit;

namespace Harmattan.Transformer;

public static class TransformerRegistration
{
    public static IServiceCollection AddTransformer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<QualityOptions>(QualityOptions.Section,
            options => QualityOptions.UnreadableRangeBound(configuration) ?? options.Validate());
        return services;
    }

    public static IBusRegistrationConfigurator AddTransformerConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<ComputeAveragesConsumer, ComputeAveragesConsumerDefinition>();
        return bus;
    }
}
