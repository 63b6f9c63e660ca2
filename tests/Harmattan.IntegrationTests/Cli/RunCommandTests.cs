using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Harmattan.AirQinoSimulator;
using Harmattan.IntegrationTests.Support;
using Microsoft.Data.Sqlite;

namespace Harmattan.IntegrationTests.Cli;

/// <summary><c>harmattan run --once</c> as a user runs it: a separate process, its output and exit code.</summary>
public sealed class RunCommandTests : IDisposable
{
    private readonly string _workDir = Directory.CreateTempSubdirectory("harmattan-run-").FullName;

    private string Db => Path.Combine(_workDir, "harmattan.db");

    public void Dispose() => Directory.Delete(_workDir, recursive: true);

    [Fact]
    public async Task Run_once_with_the_simulator_prints_both_default_stations_and_says_the_data_are_simulated()
    {
        var (exit, output) = await RunAsync(["run", "--once", "--simulate", "--db", Db]);

        Assert.True(exit == 0, output);
        Assert.Contains("SIMULATED DATA", output);
        Assert.Contains("283164601", output);
        Assert.Contains("283181971", output);
        Assert.Contains("Stored 4 days", output);
    }

    [Fact]
    public async Task Running_the_same_range_twice_leaves_the_export_identical()
    {
        await using var simulator = await AirQinoSimulatorHost.StartAsync(new SimulatorOptions { StationIds = ["283164601"] },
            TestContext.Current.CancellationToken);
        string[] run = ["run", "--once", "--station", "283164601", "--from", "2026-01-01", "--to", "2026-01-10",
            "--airqino-url", simulator.BaseUrl, "--db", Db];
        string[] export = ["export", "--station", "283164601", "--db", Db];

        Assert.Equal(0, (await RunAsync(run)).Exit);
        var first = await RunAsync(export);
        Assert.Equal(0, (await RunAsync(run)).Exit);
        var second = await RunAsync(export);

        Assert.Equal(0, first.Exit);
        Assert.Equal(11, first.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(first.Output, second.Output);
    }

    [Fact]
    public async Task An_unreachable_API_fails_the_run_with_a_message_naming_the_station_and_the_URL()
    {
        var (exit, output) = await RunAsync(["run", "--once", "--station", "283164601", "--airqino-url", "http://127.0.0.1:9", "--db", Db]);

        Assert.Equal(1, exit);
        Assert.Contains("could not be reached for station 283164601", output);
        Assert.Contains("http://127.0.0.1:9/v3/getStationHourlyAvg/283164601", output);
    }

    [Fact]
    public async Task An_API_that_answers_garbage_fails_the_run_with_the_reason()
    {
        await using var simulator = await AirQinoSimulatorHost.StartAsync(new SimulatorOptions { StationIds = ["283164601"] },
            TestContext.Current.CancellationToken);
        simulator.Faults.TruncateRate = 1;

        var (exit, output) = await RunAsync(["run", "--once", "--station", "283164601", "--airqino-url", simulator.BaseUrl, "--db", Db]);

        Assert.NotEqual(0, exit);
        Assert.Contains("The run failed", output);
        Assert.Contains("283164601", output);
    }

    [Fact]
    public async Task Half_a_date_range_is_refused_with_what_to_type()
    {
        var (exit, output) = await RunAsync(["run", "--once", "--from", "2024-01-01", "--db", Db]);

        Assert.Equal(2, exit);
        Assert.Contains("--from and --to go together", output);
        Assert.DoesNotContain("Usage:", output);
    }

    [Fact]
    public async Task Stopped_during_a_run_it_reports_every_day_it_stored()
    {
        // Eight years of two stations take seconds to store; SIGTERM, which takes Ctrl-C's path, lands once the first
        // days are stored, while the services still hold messages that they store as they stop.
        await using var cli = ServiceProcess.StartCli(
            ["run", "--once", "--simulate", "--from", "2015-01-01", "--to", "2022-12-31", "--db", Db], new Dictionary<string, string>());
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (await StoredDaysAsync() == 0 && !cli.HasExited && DateTime.UtcNow < deadline)
            await Task.Delay(50, TestContext.Current.CancellationToken);
        using (var signal = Process.Start("kill", ["-TERM", cli.Id.ToString(CultureInfo.InvariantCulture)]))
            await signal.WaitForExitAsync(TestContext.Current.CancellationToken);
        var exit = await cli.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.True(exit == 130, $"exit {exit}:\n{cli.Output}");
        var reported = Regex.Match(cli.Output, @"Stopped at (\d+) of 5844 days; what is stored stays stored\.");
        Assert.True(reported.Success, cli.Output);
        Assert.Equal(await StoredDaysAsync(), int.Parse(reported.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_run_left_running_stops_with_the_refusal_at_the_first_scheduled_fetch_after_a_newer_version_upgrades_its_store()
    {
        var ct = TestContext.Current.CancellationToken;
        // Every minute, so that the schedule's next fetch comes within the test; no prune, whose hour could come first.
        await using var cli = ServiceProcess.StartCli(["run", "--simulate", "--station", "283164601", "--db", Db],
            new Dictionary<string, string> { ["Schedule__Cron"] = "* * * * *", ["Archive__PruneEnabled"] = "false" });
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!cli.Output.Contains("Services running") && !cli.HasExited && DateTime.UtcNow < deadline)
            await Task.Delay(50, ct);
        Assert.True(cli.Output.Contains("Services running"), cli.Output);
        // What a newer version's upgrade leaves in the file the running services opened.
        await NewerStoreFile.MarkAsync(Db, ct);

        var exit = await cli.WaitForExitAsync(TimeSpan.FromMinutes(2));

        Assert.True(exit == 2, $"exit {exit}:\n{cli.Output}");
        // Refused by the loader at the scheduled fetch's write, and the run ends in the same words, not as interrupted.
        Assert.Contains("on schedule '* * * * *' (UTC)", cli.Output);
        Assert.Contains($"The loader stops: {NewerStoreFile.Refusal(Db)}\n", cli.Output);
        Assert.EndsWith($"error: {NewerStoreFile.Refusal(Db)}.", cli.Output.TrimEnd());
        Assert.DoesNotContain("Stopped", cli.Output);
    }

    [Fact]
    public async Task A_run_left_running_for_one_station_fetches_only_that_station_on_schedule()
    {
        var ct = TestContext.Current.CancellationToken;
        // Both default stations are configured, and this AirQino serves both: a scheduled fetch of the other is stored.
        await using var simulator = await AirQinoSimulatorHost.StartAsync(
            new SimulatorOptions { StationIds = ["283164601", "283181971"] }, ct);
        await using var cli = ServiceProcess.StartCli(
            ["run", "--station", "283164601", "--airqino-url", simulator.BaseUrl, "--db", Db],
            new Dictionary<string, string> { ["Schedule__Cron"] = "* * * * *", ["Archive__PruneEnabled"] = "false" });
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!cli.Output.Contains("Services running") && !cli.HasExited && DateTime.UtcNow < deadline)
            await Task.Delay(50, ct);
        Assert.True(cli.Output.Contains("Services running"), cli.Output);
        var firstPass = await LastFetchedAsync("283164601");

        // The schedule's first fetch, within a minute; the stations of one fetch are archived within a second or two.
        deadline = DateTime.UtcNow.AddMinutes(2);
        while (await LastFetchedAsync("283164601") == firstPass && !cli.HasExited && DateTime.UtcNow < deadline)
            await Task.Delay(200, ct);
        Assert.NotEqual(firstPass, await LastFetchedAsync("283164601"));
        await Task.Delay(TimeSpan.FromSeconds(5), ct);

        Assert.False(cli.HasExited, cli.Output);
        Assert.Null(await LastFetchedAsync("283181971"));
    }

    /// <summary>When a station was last fetched, from the run's raw archive (a fetch of the same window again updates its
    /// row), read as any SQLite client would while the run writes; null before any fetch of it.</summary>
    private async Task<string?> LastFetchedAsync(string stationId)
    {
        await using var connection = new SqliteConnection($"Data Source={Db};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT max(fetched_at) FROM raw_fetches WHERE station_id = $station";
        command.Parameters.AddWithValue("$station", stationId);
        return await command.ExecuteScalarAsync(TestContext.Current.CancellationToken) as string;
    }

    /// <summary>Daily rows in the run's store, read as any SQLite client would while the run writes.</summary>
    private async Task<long> StoredDaysAsync()
    {
        if (!File.Exists(Db))
            return 0;
        await using var connection = new SqliteConnection($"Data Source={Db};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sqlite_master WHERE name = 'daily_averages'";
        if ((long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))! == 0)
            return 0;
        command.CommandText = "SELECT count(*) FROM daily_averages";
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    private async Task<(int Exit, string Output)> RunAsync(string[] arguments)
    {
        // No retries, so that a failing API fails the run in seconds.
        await using var cli = ServiceProcess.StartCli(arguments, new Dictionary<string, string>
        {
            ["AirQino__RetryAttempts"] = "0",
            ["Bus__RetryLimit"] = "0",
        });
        var exit = await cli.WaitForExitAsync(TimeSpan.FromMinutes(2));
        return (exit, cli.Output);
    }
}
