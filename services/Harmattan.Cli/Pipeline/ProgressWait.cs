using System.Runtime.ExceptionServices;
using Harmattan.Cli.Commands;
using Harmattan.Extractor;
using Spectre.Console;

namespace Harmattan.Cli.Pipeline;

public enum WaitOutcome
{
    Done,
    Faulted,
    Idle,
    Stopped,
}

/// <summary>
/// The CLI's wait for work done by running services: a progress bar fed by polling (the store, usually) until the work
/// is finished, a message reaches an error queue, nothing progresses for the idle timeout, or the user stops it.
/// A poll that fails (the store busy or briefly unreachable) does not end the wait, because the services go on with
/// the work: the bar says so and the next poll tries again. A failure that lasts the whole idle timeout is thrown.
/// </summary>
public sealed class ProgressWait(PipelineFaults faults, TimeProvider time)
{
    public async Task<WaitOutcome> RunAsync(WaitPlan plan, CancellationToken cancellationToken)
    {
        var lastProgress = time.GetTimestamp();
        var done = await plan.Poll(cancellationToken);
        var outcome = WaitOutcome.Done;
        ExceptionDispatchInfo? pollFailure = null;
        try
        {
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask(plan.Describe(done), maxValue: plan.Total);
                    task.Value = done;
                    while (!plan.IsFinished(done))
                    {
                        if (faults.Any && plan.StopAtFirstFault)
                        {
                            outcome = WaitOutcome.Faulted;
                            return;
                        }
                        if (time.GetElapsedTime(lastProgress) > plan.IdleTimeout)
                        {
                            pollFailure?.Throw();
                            outcome = WaitOutcome.Idle;
                            return;
                        }
                        await Task.Delay(plan.PollInterval, time, cancellationToken);
                        try
                        {
                            var now = await plan.Poll(cancellationToken);
                            pollFailure = null;
                            if (now != done)
                                lastProgress = time.GetTimestamp();
                            done = now;
                            task.Description = plan.Describe(done);
                        }
                        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                        {
                            // Said once per run of failures; a bar that is not on a terminal is only redrawn now and then.
                            if (pollFailure is null)
                                AnsiConsole.MarkupLineInterpolated(
                                    $"[yellow]Warning[/]: reading the progress failed ({e.Message}); the services go on with the work, and the next read is in {Durations.Format(plan.PollInterval)}.");
                            pollFailure = ExceptionDispatchInfo.Capture(e);
                        }
                        task.Value = done;
                    }
                    if (faults.Any)
                        outcome = WaitOutcome.Faulted;
                });
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return WaitOutcome.Stopped;
        }
        return outcome;
    }

    /// <summary>
    /// The failures, station by station (<see cref="PipelineFault.Summarize"/>), each on its own unwrapped stderr line (a
    /// reason holds a URL and the fix, which wrapping would break),
    /// then the redrive of each error queue they went to, followed by <paramref name="afterRedrive"/>.
    /// </summary>
    public async Task ReportFaultsAsync(string heading, string afterRedrive)
    {
        AnsiConsole.MarkupLineInterpolated($"[red]{heading}[/]");
        var all = faults.All;
        foreach (var line in PipelineFault.Summarize(all))
            await Console.Error.WriteLineAsync($"  {line}");
        var redrives = all.Select(f => f.ErrorQueue).Distinct().Order(StringComparer.Ordinal).Select(q => $"`harmattan redrive --queue {q}`");
        AnsiConsole.WriteLine($"Fix the cause, move them back with {string.Join(" and ", redrives)}{afterRedrive}");
        foreach (var queue in all.Where(f => f.Reason.EndsWith(AirQinoClient.UnknownStationFix, StringComparison.Ordinal)).GroupBy(f => f.ErrorQueue))
        {
            var ids = queue.Select(f => f.StationId).Distinct().Order(StringComparer.Ordinal).ToList();
            AnsiConsole.WriteLine(
                $"If {(ids.Count == 1 ? $"station {ids[0]} is" : $"stations {string.Join(", ", ids)} are")} no station of AirQino's (a mistyped id), " +
                $"`harmattan redrive --queue {queue.Key} {string.Join(" ", ids.Select(id => $"--station {id}"))} --discard` deletes {(ids.Count == 1 ? "its" : "their")} messages.");
        }
    }
}

/// <param name="Poll">How much of the work is done now (days stored, fetches recomputed).</param>
/// <param name="Finished">Done; by default when <paramref name="Total"/> is reached.</param>
/// <param name="StopAtFirstFault">Stop waiting at the first failure; otherwise wait until <paramref name="Finished"/>.</param>
public sealed record WaitPlan(int Total, Func<CancellationToken, Task<int>> Poll, Func<int, string> Describe,
    TimeSpan IdleTimeout, TimeSpan PollInterval, Func<int, bool>? Finished = null, bool StopAtFirstFault = true)
{
    public bool IsFinished(int done) => Finished?.Invoke(done) ?? done >= Total;
}
