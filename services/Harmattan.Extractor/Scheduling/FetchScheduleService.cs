using Harmattan.Hosting;
using Microsoft.Extensions.Options;

namespace Harmattan.Extractor.Scheduling;

/// <summary>
/// The in-process hourly schedule: sleeps until the next cron occurrence (UTC) and runs once; with
/// <c>Schedule:RunAtStart</c> it runs once first, as soon as the host (and so the bus) has started. Missed occurrences
/// (the process was down) are not replayed: the next run's lookback covers them, or warns with a backfill command.
/// </summary>
public sealed class FetchScheduleService(
    ScheduledRun run,
    IOptions<ScheduleOptions> options,
    TimeProvider time,
    IServiceProvider services,
    ILogger<FetchScheduleService> logger) : StoppableBackgroundService
{
    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        var cron = options.Value.ParseCron();
        logger.LogInformation("Fetch schedule {Cron} (UTC), {LookbackDays} day(s) of lookback", options.Value.Cron, options.Value.LookbackDays);
        if (!run.HasStore)
            logger.LogWarning("No store in this process: gaps longer than the {LookbackDays}-day lookback will not be reported; `harmattan status` shows them",
                options.Value.LookbackDays);

        if (options.Value.RunAtStart)
        {
            await HostStartedAsync(stoppingToken);
            logger.LogInformation("Schedule:RunAtStart: running once now, then on the schedule");
            await RunOnceAsync(time.GetUtcNow(), stoppingToken);
        }
        // After a suspension the wait ends late: the run is for the time it woke.
        await CronSchedule.RunAsync(cron, time, RunOnceAsync, stoppingToken);
        if (!stoppingToken.IsCancellationRequested)
            logger.LogWarning("Schedule {Cron} has no further occurrence; the schedule stops", options.Value.Cron);
    }

    private async Task RunOnceAsync(DateTimeOffset runAt, CancellationToken stoppingToken)
    {
        try
        {
            await run.RunAsync(runAt, stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The next occurrence's lookback covers this one, so the schedule keeps going.
            logger.LogError(ex, "Scheduled run at {RunAt:yyyy-MM-ddTHH:mmZ} failed: {Reason}", runAt, ex.Message);
        }
    }

    /// <summary>Hosted services start in order and the bus may come after this one: wait until every one has started.</summary>
    private async Task HostStartedAsync(CancellationToken stoppingToken)
    {
        if (services.GetService<IHostApplicationLifetime>() is not { } lifetime)
            return;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);
    }
}
