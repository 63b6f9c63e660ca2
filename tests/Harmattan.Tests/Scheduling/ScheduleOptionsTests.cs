using Harmattan.Extractor.Scheduling;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Harmattan.Tests.Scheduling;

public class ScheduleOptionsTests
{
    private static ScheduleOptions Resolve(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.ToDictionary(s => s.Key, s => (string?)s.Value)).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddFetchSchedule(configuration);
        return services.BuildServiceProvider().GetRequiredService<IOptions<ScheduleOptions>>().Value;
    }

    [Fact]
    public void The_defaults_run_at_five_past_every_hour_over_two_days_and_not_at_start()
    {
        var options = Resolve();

        Assert.Equal(("5 * * * *", true, 2, false), (options.Cron, options.Enabled, options.LookbackDays, options.RunAtStart));
        Assert.True(Resolve(("Schedule:RunAtStart", "true")).RunAtStart);
    }

    [Theory]
    [InlineData("Schedule:Cron", "61 * * * *", "Schedule:Cron '61 * * * *' is not a valid five-field cron expression")]
    [InlineData("Schedule:Cron", "every hour", "Schedule:Cron 'every hour' is not a valid")]
    [InlineData("Schedule:Cron", "0 0 30 2 *", "Schedule:Cron '0 0 30 2 *' never occurs (a day its month does not have?): use e.g.")]
    [InlineData("Schedule:LookbackDays", "0", "Schedule:LookbackDays must be between 2 and 31")]
    [InlineData("Schedule:LookbackDays", "1", "with 1 the schedule never fetches a day after it ended")]
    [InlineData("Schedule:LookbackDays", "32", "Schedule:LookbackDays must be between 2 and 31")]
    public void A_bad_value_is_reported_by_its_key(string key, string value, string message)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve((key, value)));

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Run_at_start_without_the_schedule_is_refused_instead_of_doing_nothing()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(("Schedule:Enabled", "false"), ("Schedule:RunAtStart", "true")));

        Assert.Contains("Schedule:RunAtStart is true while Schedule:Enabled is false", error.Message);
        Assert.Contains("Schedule__RunAtStart", error.Message);
        Assert.False(Resolve(("Schedule:Enabled", "false"), ("Schedule:RunAtStart", "false")).Enabled);
    }

    [Fact]
    public void The_in_process_schedule_is_registered_only_when_enabled()
    {
        static bool HasSchedule(string enabled)
        {
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Schedule:Enabled"] = enabled }).Build();
            var services = new ServiceCollection().AddFetchSchedule(configuration);
            return services.Any(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(FetchScheduleService));
        }

        Assert.True(HasSchedule("true"));
        Assert.False(HasSchedule("false"));
    }
}
