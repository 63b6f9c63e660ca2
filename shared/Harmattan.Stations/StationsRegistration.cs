using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Harmattan.Stations;

public static class StationsRegistration
{
    /// <summary>
    /// <c>IOptions&lt;StationsOptions&gt;</c> from the <c>Stations</c> list, or the two default stations when it is empty.
    /// </summary>
    public static IServiceCollection AddStations(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StationsOptions>()
            .Configure(options => options.Stations = StationsOptions.Read(configuration))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StationsOptions>, StationsOptionsValidator>());
        return services;
    }
}
