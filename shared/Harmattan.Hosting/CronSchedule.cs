using Cronos;

namespace Harmattan.Hosting;

/// <summary>A five-field cron setting, read in UTC, and the wait for each of its occurrences.</summary>
public static class CronSchedule
{
    /// <summary>Timers take at most ~49 days; a rare schedule is reached in steps.</summary>
    private static readonly TimeSpan MaxSleep = TimeSpan.FromDays(1);

    public static CronExpression Parse(string expression) => CronExpression.Parse(expression, CronFormat.Standard);

    /// <summary>
    /// What is wrong with <paramref name="expression"/> as the setting <paramref name="key"/>, naming the fix, or null
    /// (an empty one is left to the setting's <c>Required</c> rule).
    /// </summary>
    public static string? Problem(string key, string? expression, string example)
    {
        if (string.IsNullOrWhiteSpace(expression))
            return null;
        CronExpression cron;
        try
        {
            cron = Parse(expression);
        }
        catch (CronFormatException ex)
        {
            return $"{key} '{expression}' is not a valid five-field cron expression ({ex.Message}): use e.g. \"{example}\".";
        }
        // A day no month has (30 February, 31 April) parses, and would leave the schedule stopped for good after start.
        return NextOccurrence(cron, DateTimeOffset.UtcNow) is null
            ? $"{key} '{expression}' never occurs (a day its month does not have?): use e.g. \"{example}\"."
            : null;
    }

    public static DateTimeOffset? NextOccurrence(CronExpression cron, DateTimeOffset after) =>
        cron.GetNextOccurrence(after.ToUniversalTime(), TimeZoneInfo.Utc);

    /// <summary>
    /// Calls <paramref name="occurrence"/> with the time it woke at each occurrence of <paramref name="cron"/> until
    /// stopped; returns when the expression has no further occurrence. Missed occurrences (the process was down or
    /// suspended) are not made up: after a late wake the next one is computed from then.
    /// </summary>
    public static async Task RunAsync(CronExpression cron, TimeProvider time,
        Func<DateTimeOffset, CancellationToken, Task> occurrence, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            if (NextOccurrence(cron, now) is not { } next)
                return;
            await Task.Delay(next - now > MaxSleep ? MaxSleep : next - now, time, stoppingToken);
            // The wall clock is read again, not trusted to have moved with the timer: woken early, or after the clock
            // was set back while sleeping (NTP correcting a clock that ran ahead), the occurrence is computed anew.
            var woke = time.GetUtcNow();
            if (woke < next)
                continue;
            await occurrence(woke, stoppingToken);
        }
    }
}
