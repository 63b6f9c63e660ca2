using Microsoft.Extensions.Options;

namespace Harmattan.Extractor.Scheduling;

/// <summary>
/// The in-process hourly schedule: sleeps until the next cron occurrence (UTC) and runs once. Missed occurrences
/// (the process was down) are not replayed: the next run's lookback covers them, or warns with a backfill command.
/// </summary>
public sealed class FetchScheduleService(
    ScheduledRun run,
    IOptions<ScheduleOptions> options,
    TimeProvider time,
    ILogger<FetchScheduleService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var cron = options.Value.ParseCron();
        logger.LogInformation("Fetch schedule {Cron} (UTC), {LookbackDays} day(s) of lookback", options.Value.Cron, options.Value.LookbackDays);
        if (!run.HasStore)
            logger.LogWarning("No store in this process: gaps longer than the {LookbackDays}-day lookback will not be reported; `harmattan status` shows them",
                options.Value.LookbackDays);

        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            if (FetchSchedule.NextRun(cron, now) is not { } next)
            {
                logger.LogWarning("Schedule {Cron} has no further occurrence; the schedule stops", options.Value.Cron);
                return;
            }
            await Task.Delay(next - now, time, stoppingToken);
            try
            {
                await run.RunAsync(next, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The next occurrence's lookback covers this one, so the schedule keeps going.
                logger.LogError(ex, "Scheduled run for {RunAt:yyyy-MM-ddTHH:mmZ} failed: {Reason}", next, ex.Message);
            }
        }
    }
}
