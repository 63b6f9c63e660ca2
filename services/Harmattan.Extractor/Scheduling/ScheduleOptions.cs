using System.ComponentModel.DataAnnotations;
using Cronos;
using Harmattan.Hosting;

namespace Harmattan.Extractor.Scheduling;

/// <summary>The hourly run: when (a cron expression in UTC) and how many local days back each run fetches.</summary>
public sealed class ScheduleOptions
{
    public const string Section = "Schedule";
    public const string DefaultCron = "5 * * * *";

    /// <summary>Five fields, evaluated in UTC. The default runs at five past every hour, once AirQino has the last hour.</summary>
    [Required(ErrorMessage = "Schedule:Cron is required: use a five-field cron expression such as \"5 * * * *\".")]
    public string Cron { get; set; } = DefaultCron;

    /// <summary>Whether the extractor runs the schedule in-process (off where a Kubernetes CronJob runs `harmattan trigger`).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Also run once as soon as the extractor has started, so a fresh stack has data within a minute. Off by default:
    /// every restart or added replica would fetch again (harmless, the upserts see to it, but API calls); docker compose
    /// turns it on.
    /// </summary>
    public bool RunAtStart { get; set; }

    /// <summary>
    /// 2 = yesterday and today, so that late data for yesterday is picked up. 1 is refused: the last run that fetches a day
    /// would be its last before midnight, so no day would ever be fetched after it ended, nor its last hour at all.
    /// </summary>
    [Range(2, 31, ErrorMessage = "Schedule:LookbackDays must be between 2 and 31 (2 = yesterday and today; with 1 the schedule never fetches a day after it ended, so it completes none).")]
    public int LookbackDays { get; set; } = 2;

    public CronExpression ParseCron() => CronSchedule.Parse(Cron);

    public static string? Validate(ScheduleOptions options) => CronSchedule.Problem("Schedule:Cron", options.Cron, DefaultCron);
}
