using Harmattan.Hosting;
using MassTransit;

namespace Harmattan.Transformer;

public static class TransformerRegistration
{
    public static IServiceCollection AddTransformer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<QualityOptions>(QualityOptions.Section,
            options => UnreadableRangeBound(configuration) ?? options.Validate());
        return services;
    }

    /// <summary>
    /// A bound of Quality:Ranges that is no number ("500,5" with a French decimal comma): the binder drops a dictionary
    /// entry it cannot convert without a word, which would leave the default range (or DefaultRange) in force.
    /// </summary>
    public static string? UnreadableRangeBound(IConfiguration configuration)
    {
        foreach (var range in configuration.GetSection($"{QualityOptions.Section}:{nameof(QualityOptions.Ranges)}").GetChildren())
            foreach (var bound in range.GetChildren())
                if ((bound.Key.Equals(nameof(PlausibleRange.Min), StringComparison.OrdinalIgnoreCase)
                        || bound.Key.Equals(nameof(PlausibleRange.Max), StringComparison.OrdinalIgnoreCase))
                    && bound.Value is { } text
                    && !double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _))
                    return $"{bound.Path} '{text}' is not a number (with a dot for decimals, e.g. 0.75) " +
                           $"(environment variable {bound.Path.Replace(":", "__", StringComparison.Ordinal)}).";
        return null;
    }

    public static IBusRegistrationConfigurator AddTransformerConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<ComputeAveragesConsumer, ComputeAveragesConsumerDefinition>();
        return bus;
    }
}
