using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Harmattan.Tests;

public static class TestHarnessRegistration
{
    /// <summary>
    /// MassTransit's in-memory test harness with timeouts that hold on a loaded two-core CI machine: the default
    /// six seconds of inactivity can pass before a consumer's first message is handled there.
    /// </summary>
    public static IServiceCollection AddHarmattanTestHarness(this IServiceCollection services,
        Action<IBusRegistrationConfigurator>? configure = null)
    {
        services.AddMassTransitTestHarness(configure ?? (_ => { }));
        services.Configure<TestHarnessOptions>(options =>
        {
            options.TestTimeout = TimeSpan.FromSeconds(60);
            options.TestInactivityTimeout = TimeSpan.FromSeconds(10);
        });
        return services;
    }
}
