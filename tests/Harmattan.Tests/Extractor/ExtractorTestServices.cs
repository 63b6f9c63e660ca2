using Harmattan.Extractor;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Harmattan.Tests.Extractor;

/// <summary>The extractor's real registration pointed at an in-process simulator, with tiny retry delays.</summary>
internal static class ExtractorTestServices
{
    public static Dictionary<string, string?> Settings(string baseUrl) => new()
    {
        ["AirQino:BaseUrl"] = baseUrl,
        ["AirQino:RetryDelay"] = "00:00:00.010",
        ["AirQino:Timeout"] = "00:00:10",
        ["AirQino:TotalTimeout"] = "00:00:30",
    };

    public static ServiceProvider Build(Dictionary<string, string?> settings, Action<IServiceCollection>? configure = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(NullLogger<>));
        services.AddSingleton<Microsoft.Extensions.Logging.ILoggerFactory>(NullLoggerFactory.Instance);
        configure?.Invoke(services);
        services.AddExtractor(configuration);
        return services.BuildServiceProvider();
    }
}
