using System.ComponentModel.DataAnnotations;
using Cronos;
using Harmattan.Hosting;

namespace Harmattan.Loader;

/// <summary>How long every archived fetch is kept, and when the loader prunes the older ones.</summary>
public sealed class ArchiveOptions
{
    public const string Section = "Archive";
    public const string DefaultPruneCron = "30 3 * * *";

    /// <summary>Fetches younger than this are all kept; older ones only where replay still needs them.</summary>
    [Range(0, 36_500, ErrorMessage = "Archive:KeepAllDays must be between 0 and 36500 days (default 30).")]
    public int KeepAllDays { get; set; } = 30;

    /// <summary>Five fields, UTC. The default prunes once a day at 03:30, away from the hourly fetches at five past.</summary>
    [Required(ErrorMessage = "Archive:PruneCron is required: use a five-field cron expression such as \"30 3 * * *\".")]
    public string PruneCron { get; set; } = DefaultPruneCron;

    /// <summary>Off where `harmattan archive prune` runs from cron instead, or to keep every fetch.</summary>
    public bool PruneEnabled { get; set; } = true;

    public CronExpression ParsePruneCron() => CronSchedule.Parse(PruneCron);

    public static string? Validate(ArchiveOptions options) => CronSchedule.Problem("Archive:PruneCron", options.PruneCron, DefaultPruneCron);
}
