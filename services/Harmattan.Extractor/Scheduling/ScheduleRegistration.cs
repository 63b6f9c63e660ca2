using Harmattan.Hosting;

namespace Harmattan.Extractor.Scheduling;

public static class ScheduleRegistration
{
    /// <summary>
    /// <c>Schedule</c> options (validated at start) and <see cref="ScheduledRun"/>; the in-process schedule itself only
    /// when <c>Schedule:Enabled</c> (default true).
    /// </summary>
    public static IServiceCollection AddFetchSchedule(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddScheduledRun();
        var options = configuration.GetSection(ScheduleOptions.Section).Get<ScheduleOptions>() ?? new ScheduleOptions();
        if (options.Enabled)
            services.AddHostedService<FetchScheduleService>();
        // Not in AddScheduledRun: `harmattan trigger` reads the extractor's configuration, where this pair is refused.
        services.AddOptions<ScheduleOptions>().Validate(o => o.Enabled || !o.RunAtStart,
            "Schedule:RunAtStart is true while Schedule:Enabled is false: this extractor runs no schedule, so it would not fetch at start " +
            "either. Remove Schedule:RunAtStart (environment variable Schedule__RunAtStart), or set Schedule:Enabled to true.");
        return services;
    }

    /// <summary>What one run needs (options, <see cref="ScheduledRun"/>), without the in-process schedule: for <c>harmattan trigger</c>.</summary>
    public static IServiceCollection AddScheduledRun(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(ScheduledRun)))
            return services;
        services.AddValidatedOptions<ScheduleOptions>(ScheduleOptions.Section, ScheduleOptions.Validate);
        services.AddSingleton<ScheduledRun>();
        return services;
    }
}
