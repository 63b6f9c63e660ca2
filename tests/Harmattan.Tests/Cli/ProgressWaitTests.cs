using Harmattan.Cli;
using Harmattan.Cli.Pipeline;
using Harmattan.Extractor;
using Spectre.Console;

namespace Harmattan.Tests.Cli;

/// <summary>
/// The wait of backfill, replay and run: a failed progress read (the store busy or briefly gone) must not end a wait
/// while the services go on with the work, and a failure that lasts the idle timeout must name its reason.
/// </summary>
[Collection(typeof(CliCollection))]
public sealed class ProgressWaitTests
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_progress_read_that_fails_between_successful_ones_is_retried_and_the_wait_completes()
    {
        var polls = 0;
        var (outcome, output) = await WaitAsync(_ =>
        {
            polls++;
            if (polls is 3 or 4)
                throw new TimeoutException("MongoDB did not answer a count within 00:00:30");
            return Task.FromResult(Math.Min(polls, 6));
        }, total: 6, idleTimeout: TimeSpan.FromMinutes(1));

        Assert.Equal(WaitOutcome.Done, outcome);
        Assert.Single(output.Split('\n'), line => line.Contains("reading the progress failed (MongoDB did not answer a count within 00:00:30); the services go on"));
    }

    [Fact]
    public async Task A_progress_read_that_fails_for_the_whole_idle_timeout_ends_the_wait_with_its_reason()
    {
        var polls = 0;
        var failure = await Assert.ThrowsAsync<TimeoutException>(() => WaitAsync(_ =>
            ++polls == 1 ? Task.FromResult(2) : throw new TimeoutException("MongoDB did not answer a count within 00:00:30"),
            // With 200 ms it read only twice on a machine at load average 20 on 2 cores: the retries need the time to happen.
            total: 6, idleTimeout: TimeSpan.FromSeconds(2)));

        Assert.Equal("MongoDB did not answer a count within 00:00:30", failure.Message);
        Assert.True(polls > 2, $"polled {polls} times");
    }

    [Fact]
    public async Task No_progress_without_a_failure_ends_the_wait_as_idle()
    {
        var (outcome, _) = await WaitAsync(_ => Task.FromResult(2), total: 6, idleTimeout: TimeSpan.FromMilliseconds(200));

        Assert.Equal(WaitOutcome.Idle, outcome);
    }

    [Fact]
    public async Task The_failures_of_a_station_unknown_to_airqino_take_two_lines_not_one_per_window()
    {
        var faults = new PipelineFaults();
        var october1 = new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);
        // A typo'd station's nine weekly windows fail, in the order the extractor's replicas happened to take them.
        foreach (var week in new[] { 1, 0, 2, 3, 5, 6, 7, 4, 8 })
        {
            var start = october1.AddDays(7 * week);
            var end = week == 8 ? new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero) : start.AddDays(7);
            faults.Record(new PipelineFault("90000026", $"fetching station 90000026 {DayRange.Format(start, end, "UTC")}",
                $"AirQino answered 404 Not Found for station 90000026 at http://airqino.test/v3/getStationHourlyAvg/90000026?start_date={start:yyyyMMdd}-0000: {AirQinoClient.UnknownStationFix}",
                "fetch-station-window_error", start, end));
        }
        faults.Record(new PipelineFault("900000001", "fetching station 900000001 2026-10-08..2026-10-14", "AirQino answered 503",
            "fetch-station-window_error", october1.AddDays(7), october1.AddDays(14)));
        var console = AnsiConsole.Console;
        var error = Console.Error;
        var errors = new StringWriter();
        var output = new StringWriter();
        try
        {
            HarmattanCli.WriteUnwrappedTo(output);
            Console.SetError(errors);
            await new ProgressWait(faults, TimeProvider.System).ReportFaultsAsync("Some fetches failed and are in the error queues:", ".");
        }
        finally
        {
            Console.SetError(error);
            AnsiConsole.Console = console;
        }

        Assert.Equal(
        [
            "  fetching station 900000001 2026-10-08..2026-10-14: AirQino answered 503",
            "  fetching station 90000026 2026-10-01..2026-10-07: AirQino answered 404 Not Found for station 90000026 at http://airqino.test/v3/getStationHourlyAvg/90000026?start_date=20261001-0000: " +
            AirQinoClient.UnknownStationFix,
            "    and 8 more of station 90000026 in fetch-station-window_error, together 2026-10-01..2026-11-30",
        ], errors.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("If station 90000026 is no station of AirQino's (a mistyped id), " +
                        "`harmattan redrive --queue fetch-station-window_error --station 90000026 --discard` deletes its messages.", output.ToString());
        Assert.DoesNotContain("900000001 --discard", output.ToString());
    }

    private static async Task<(WaitOutcome Outcome, string Output)> WaitAsync(Func<CancellationToken, Task<int>> poll, int total,
        TimeSpan idleTimeout)
    {
        var console = AnsiConsole.Console;
        var output = new StringWriter();
        try
        {
            HarmattanCli.WriteUnwrappedTo(output);
            var wait = new ProgressWait(new PipelineFaults(), TimeProvider.System);
            var outcome = await wait.RunAsync(new WaitPlan(total, poll, done => $"{done} of {total} done", idleTimeout, PollInterval), Ct);
            return (outcome, output.ToString());
        }
        finally
        {
            AnsiConsole.Console = console;
        }
    }
}
