using System.Text.RegularExpressions;
using Harmattan.AirQinoSimulator;
using Harmattan.Cli.Export;
using Harmattan.IntegrationTests.Support;
using Harmattan.Storage;
using Harmattan.Storage.Sqlite;

namespace Harmattan.IntegrationTests.Operations;

/// <summary>Backfill, trigger and status as an operator runs them: the CLI as a process against the running services.</summary>
public sealed partial class OperationsOverRabbitMqTests(OperationsFixture fixture) : IClassFixture<OperationsFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_backfill_killed_halfway_and_run_again_is_complete_without_duplicates_and_equals_an_all_in_one_run()
    {
        string[] stations = [SyntheticAirQino.StationId(0), SyntheticAirQino.StationId(1), SyntheticAirQino.StationId(2)];
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var (from, to) = (today.AddDays(-62), today.AddDays(-3));
        string[] arguments = ["backfill", .. stations.SelectMany(s => new[] { "--station", s }), "--from", $"{from:yyyy-MM-dd}",
            "--to", $"{to:yyyy-MM-dd}", "--idle-timeout", "00:01:00", "--db", fixture.DbPath];

        // 27 commands, 4 at a time, 1.5 s each: the CLI is still waiting when it is killed, and commands are still queued
        // when they are purged (rabbitmqctl takes a second or two to start).
        fixture.SimulatorOptions.Faults.Delay = TimeSpan.FromMilliseconds(1500);
        await using (var interrupted = ServiceProcess.StartCli(arguments, fixture.Environment()))
        {
            while (await StoredDaysAsync(stations, from, to) < 20)
            {
                Assert.False(interrupted.HasExited, $"backfill ended before it was interrupted:\n{interrupted.Output}");
                await Task.Delay(100, Ct);
            }
            interrupted.Kill();
        }
        // As if the rest of the commands had never been sent.
        await RabbitMqVirtualHost.RabbitMqCtlAsync("purge_queue", "-p", fixture.VirtualHost.Name, "fetch-station-window");
        fixture.SimulatorOptions.Faults.Delay = TimeSpan.Zero;
        // The extractor still finishes the commands it had taken before the purge.
        var storedBefore = await SettledStoredDaysAsync(stations, from, to);
        Assert.InRange(storedBefore, 20, 179);

        await using (var resumed = ServiceProcess.StartCli(arguments, fixture.Environment()))
        {
            var exit = await resumed.WaitForExitAsync(TimeSpan.FromMinutes(2));
            Assert.True(exit == 0, $"backfill exited {exit}:\n{resumed.Output}\n{fixture.ServicesOutput}");
            Assert.Contains("Days stored: 180 of 180", resumed.Output);
            Assert.Contains($"{storedBefore} day(s) already stored after they ended are skipped", resumed.Output);
        }

        var allInOne = Path.Combine(fixture.WorkDir, "all-in-one.db");
        await using (var run = ServiceProcess.StartCli(
            ["run", "--once", .. stations.SelectMany(s => new[] { "--station", s }), "--from", $"{from:yyyy-MM-dd}", "--to", $"{to:yyyy-MM-dd}",
             "--db", allInOne, "--airqino-url", fixture.Simulator.BaseUrl.ToString()],
            new Dictionary<string, string>()))
            Assert.Equal(0, await run.WaitForExitAsync(TimeSpan.FromMinutes(2)));

        using var direct = new SqlitePipelineStore($"Data Source={allInOne}");
        foreach (var station in stations)
        {
            var backfilled = await fixture.Store.GetDailyAveragesAsync(station, DateOnly.MinValue, DateOnly.MaxValue, Ct);
            Assert.Equal(60, backfilled.Count);
            Assert.Equal(60, backfilled.Select(d => d.Date).Distinct().Count());
            Assert.Equal(await CsvAsync(await direct.GetDailyAveragesAsync(station, from, to, Ct)), await CsvAsync(backfilled));
            Assert.Equal(
                (await direct.GetHourlyAveragesAsync(station, DateTimeOffset.MinValue, DateTimeOffset.MaxValue, Ct)).Count,
                (await fixture.Store.GetHourlyAveragesAsync(station, DateTimeOffset.MinValue, DateTimeOffset.MaxValue, Ct)).Count);
        }
    }

    [Fact]
    public async Task Two_triggers_in_the_same_hour_send_the_same_message_ids_and_store_one_result()
    {
        string[] stations = [SyntheticAirQino.StationId(3), SyntheticAirQino.StationId(4)];
        var environment = fixture.Environment();
        for (var i = 0; i < stations.Length; i++)
            environment[$"Stations__{i}__Id"] = stations[i];
        // Both triggers must fall in one hour.
        var now = DateTime.UtcNow;
        if (now.Minute == 59 && now.Second > 30)
            await Task.Delay(TimeSpan.FromSeconds(62 - now.Second), Ct);

        var first = await TriggerAsync(environment);
        var firstFetch = await WaitForStoredAsync(stations, after: DateTimeOffset.MinValue);
        var second = await TriggerAsync(environment);
        await WaitForStoredAsync(stations, after: firstFetch);

        Assert.Equal(2, first.Count);
        Assert.Equal(first, second);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        foreach (var station in stations)
        {
            Assert.Equal(2, (await fixture.Store.GetDailyAveragesAsync(station, today.AddDays(-10), today.AddDays(10), Ct)).Count);
            // The same readings fetched twice are one archived fetch: the fetch id is a hash of what was fetched.
            Assert.Single(await fixture.Store.GetRawFetchesAsync(station, DateTimeOffset.MinValue, DateTimeOffset.MaxValue, Ct));
        }
    }

    private async Task<List<string>> TriggerAsync(Dictionary<string, string> environment)
    {
        await using var trigger = ServiceProcess.StartCli(["trigger", "--db", fixture.DbPath], environment);
        var exit = await trigger.WaitForExitAsync(TimeSpan.FromMinutes(1));
        Assert.True(exit == 0, $"trigger exited {exit}:\n{trigger.Output}");
        return MessageIdPattern().Matches(trigger.Output).Select(m => m.Groups[1].Value).ToList();
    }

    /// <summary>Waits until both days of every station are stored from a fetch made after <paramref name="after"/>.</summary>
    private async Task<DateTimeOffset> WaitForStoredAsync(string[] stations, DateTimeOffset after)
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        for (var attempt = 0; attempt < 300; attempt++)
        {
            var days = new List<StoredDailyAverage>();
            foreach (var station in stations)
                days.AddRange(await fixture.Store.GetDailyAveragesAsync(station, today.AddDays(-10), today.AddDays(10), Ct));
            if (days.Count == 2 * stations.Length && days.All(d => d.SourceFetchedAt > after))
            {
                // Let the raw archive (another consumer) catch up too.
                await Task.Delay(1000, Ct);
                return days.Max(d => d.SourceFetchedAt);
            }
            await Task.Delay(100, Ct);
        }
        Assert.Fail($"The triggered fetches were not stored within 30 s:\n{fixture.ServicesOutput}");
        return default;
    }

    private async Task<int> SettledStoredDaysAsync(string[] stations, DateOnly from, DateOnly to)
    {
        var last = -1;
        var since = DateTime.UtcNow;
        while (DateTime.UtcNow - since < TimeSpan.FromSeconds(2))
        {
            var now = await StoredDaysAsync(stations, from, to);
            if (now != last)
                (last, since) = (now, DateTime.UtcNow);
            await Task.Delay(200, Ct);
        }
        return last;
    }

    private async Task<int> StoredDaysAsync(string[] stations, DateOnly from, DateOnly to)
    {
        var total = 0;
        foreach (var station in stations)
            total += (await fixture.Store.GetDailyAveragesAsync(station, from, to, Ct)).Count;
        return total;
    }

    private static async Task<string> CsvAsync(IReadOnlyList<StoredDailyAverage> days)
    {
        await using var writer = new StringWriter();
        await DailyAveragesCsv.WriteAsync(writer, days, DateTimeOffset.UtcNow, Ct);
        return writer.ToString();
    }

    [GeneratedRegex(@"MessageId ([0-9a-f-]{36})")]
    private static partial Regex MessageIdPattern();
}
