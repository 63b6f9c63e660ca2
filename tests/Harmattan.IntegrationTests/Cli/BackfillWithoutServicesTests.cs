using System.Diagnostics;
using System.Globalization;
using Harmattan.IntegrationTests.Support;
using Harmattan.Testing;
using Harmattan.Storage.Sqlite;

namespace Harmattan.IntegrationTests.Cli;

/// <summary>A backfill sent while no service runs: the user learns at once where it went and that nothing takes it.</summary>
public sealed class BackfillWithoutServicesTests : IAsyncLifetime
{
    private readonly string _workDir = Directory.CreateTempSubdirectory("harmattan-backfill-").FullName;
    private RabbitMqVirtualHost? _vhost;

    private string DbPath => Path.Combine(_workDir, "harmattan.db");

    public async ValueTask InitializeAsync()
    {
        _vhost = await RabbitMqVirtualHost.CreateAsync();
        await new SqlitePipelineStore($"Data Source={DbPath}").InitializeAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_vhost is not null)
            await _vhost.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }

    [Fact]
    public async Task A_backfill_names_the_broker_and_the_store_and_warns_that_no_extractor_consumes_its_commands()
    {
        await using var cli = ServiceProcess.StartCli(
            ["backfill", "--station", "283164601", "--from", "2023-11-01", "--to", "2023-11-07", "--db", DbPath, "--no-wait"],
            new Dictionary<string, string> { ["ConnectionStrings__RabbitMq"] = _vhost!.ConnectionString });
        var exit = await cli.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.True(exit == 0, cli.Output);
        Assert.Contains($"Broker: RabbitMQ localhost:5672, vhost {_vhost.Name}; store: SQLite {DbPath}", cli.Output);
        Assert.Contains("no extractor is consuming fetch-station-window; no transformer is consuming compute-averages; " +
                        "no loader is consuming archive-raw-readings or store-averages: start the services (see README", cli.Output);
        Assert.DoesNotContain("guest:guest", cli.Output);
    }

    [Fact]
    public async Task Two_backfills_at_once_each_listen_for_the_pipeline_s_faults_on_a_queue_of_their_own()
    {
        var environment = new Dictionary<string, string> { ["ConnectionStrings__RabbitMq"] = _vhost!.ConnectionString };
        string[] backfill = ["backfill", "--station", "283164601", "--from", "2023-11-01", "--to", "2023-11-02", "--db", DbPath, "--idle-timeout", "30s"];
        await using var first = ServiceProcess.StartCli(backfill, environment);
        await SentAsync(first);
        await using var second = ServiceProcess.StartCli(backfill, environment);
        await SentAsync(second);

        // RabbitMQ holds a temporary queue for the connection that declared it: under one name, the second was refused
        // it (RESOURCE_LOCKED) and heard no fault of the pipeline, or stopped.
        var queues = "";
        var listed = Stopwatch.StartNew();
        while (queues.Split('\n').Count(q => q.StartsWith("pipeline-fault", StringComparison.Ordinal)) < 2 && listed.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
            queues = await RabbitMqVirtualHost.RabbitMqCtlAsync("list_queues", "-q", "-p", _vhost.Name, "name");
        }
        var faultQueues = queues.Split('\n').Where(q => q.StartsWith("pipeline-fault", StringComparison.Ordinal)).Distinct().Count();
        Assert.True(faultQueues == 2, $"{faultQueues} fault queue(s):\n{queues}\nfirst:\n{first.Output}\nsecond:\n{second.Output}");

        var firstExit = await first.WaitForExitAsync(TimeSpan.FromMinutes(1));
        var secondExit = await second.WaitForExitAsync(TimeSpan.FromMinutes(1));
        Assert.DoesNotContain("RESOURCE_LOCKED", second.Output);
        Assert.Contains("No new day stored for 30s.", second.Output);
        Assert.True(firstExit == secondExit, $"first {firstExit}:\n{first.Output}\nsecond {secondExit}:\n{second.Output}");

        static async Task SentAsync(ServiceProcess backfill)
        {
            var clock = Stopwatch.StartNew();
            while (!backfill.Output.Contains("Sent 1 fetch command(s)", StringComparison.Ordinal) && clock.Elapsed < TimeSpan.FromMinutes(1))
                await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task A_trigger_without_the_store_still_sends_the_run_and_says_the_gap_check_was_skipped_and_no_service_consumes()
    {
        var missing = Path.Combine(_workDir, "missing.db");
        await using var cli = ServiceProcess.StartCli(["trigger", "--db", missing],
            new Dictionary<string, string> { ["ConnectionStrings__RabbitMq"] = _vhost!.ConnectionString });
        var exit = await cli.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.True(exit == 0, cli.Output);
        Assert.Contains($"No store at {missing}: the check for days missed before the lookback is skipped", cli.Output);
        Assert.Contains("Sent 2 scheduled fetch command(s)", cli.Output);
        Assert.Contains($"to RabbitMQ localhost:5672, vhost {_vhost.Name}:", cli.Output);
        // A CronJob whose extractor is scaled to zero would otherwise send every hour into a queue nobody reads, unseen.
        Assert.Contains("Warning: no extractor is consuming fetch-station-window", cli.Output);
        Assert.Contains("what was sent waits in the queues until then.", cli.Output);
        Assert.False(File.Exists(missing));
    }

    [Fact]
    public async Task A_trigger_configured_with_another_zone_than_the_station_was_last_fetched_in_warns_and_still_sends()
    {
        // The services moved station 283164601 to Asia/Kolkata; a CronJob still runs with the old settings (UTC).
        using (var store = new SqlitePipelineStore($"Data Source={DbPath}"))
            await store.ArchiveRawFetchesAsync([Builders.RawFetch("283164601", new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-1), TimeSpan.Zero), days: 2,
                fetchedAt: DateTimeOffset.UtcNow.AddHours(-1), timeZone: "Asia/Kolkata")], TestContext.Current.CancellationToken);
        await using var cli = ServiceProcess.StartCli(["trigger", "--db", DbPath],
            new Dictionary<string, string> { ["ConnectionStrings__RabbitMq"] = _vhost!.ConnectionString });
        var exit = await cli.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.True(exit == 0, cli.Output);
        Assert.Contains("Sent 2 scheduled fetch command(s)", cli.Output);
        Assert.Contains("Warning: station 283164601 was last fetched with its days cut in Asia/Kolkata; this command cuts them in UTC (Stations:N:TimeZone)",
            cli.Output);
        Assert.DoesNotContain("station 283181971 was last fetched", cli.Output);
    }

    [Fact]
    public async Task A_replay_of_a_range_without_any_archived_fetch_fails_saying_so()
    {
        await using var cli = ServiceProcess.StartCli(["replay", "--from", "2023-11-01", "--to", "2023-11-02", "--db", DbPath],
            new Dictionary<string, string> { ["ConnectionStrings__RabbitMq"] = _vhost!.ConnectionString });
        var exit = await cli.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.True(exit == 1, $"exit {exit}:\n{cli.Output}");
        Assert.Contains("Nothing to replay: the store holds no raw fetch for 2023-11-01..2023-11-02 (2 station(s)). Run `harmattan backfill` for that range first.",
            cli.Output);
    }

    [Fact]
    public async Task A_replay_whose_archived_station_is_no_longer_configured_names_the_fix_not_a_backfill()
    {
        await new SqlitePipelineStore($"Data Source={DbPath}").ArchiveRawFetchesAsync(
            [Builders.RawFetch("283164601", Builders.Midnight(new DateOnly(2023, 11, 1)), days: 2)], TestContext.Current.CancellationToken);
        await using var cli = ServiceProcess.StartCli(["replay", "--from", "2023-11-01", "--to", "2023-11-02", "--db", DbPath],
            new Dictionary<string, string> { ["ConnectionStrings__RabbitMq"] = _vhost!.ConnectionString, ["Stations__0__Id"] = "283181971" });
        var exit = await cli.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.True(exit == 1, $"exit {exit}:\n{cli.Output}");
        Assert.Contains("Not replayed, as they are not among the configured stations: 283164601, whose archive holds fetches of 2023-11-01..2023-11-02.",
            cli.Output);
        Assert.Contains("Nothing to replay for the configured station(s) 283181971: the store holds no raw fetch of theirs for 2023-11-01..2023-11-02. " +
                        "To replay the stations named above, add --station ID for each.", cli.Output);
        Assert.DoesNotContain("harmattan backfill", cli.Output);
    }

    [Fact]
    public async Task A_backfill_of_many_commands_says_how_many_before_it_sends_them()
    {
        // 1,092 one-day commands: a mistyped year (0223 for 2023) would be tens of thousands, seen before they are queued.
        await using var cli = ServiceProcess.StartCli(
            ["backfill", "--station", "283164601", "--station", "283181971", "--from", "2021-01-01", "--to", "2022-06-30",
                "--chunk-days", "1", "--no-wait", "--db", DbPath],
            new Dictionary<string, string> { ["ConnectionStrings__RabbitMq"] = _vhost!.ConnectionString });
        var exit = await cli.WaitForExitAsync(TimeSpan.FromMinutes(2));

        Assert.True(exit == 0, cli.Output);
        var announced = cli.Output.IndexOf("Sending 1092 fetch commands for 1092 station-days (2021-01-01..2022-06-30, 2 station(s)); Ctrl-C stops the sending.", StringComparison.Ordinal);
        Assert.True(announced >= 0, cli.Output);
        Assert.True(announced < cli.Output.IndexOf("Sent 1092 fetch command(s)", StringComparison.Ordinal), cli.Output);
    }

    [Fact]
    public async Task Stopped_while_the_commands_are_sent_it_says_so_and_how_to_finish()
    {
        // 5,844 one-day commands. SIGTERM takes the same path as Ctrl-C, and unlike SIGINT it is not ignored in a
        // process started in the background by a shell without job control, as CI may start the tests.
        await using var cli = ServiceProcess.StartCli(
            ["backfill", "--station", "283164601", "--station", "283181971", "--from", "2015-01-01", "--to", "2022-12-31",
                "--chunk-days", "1", "--db", DbPath],
            new Dictionary<string, string> { ["ConnectionStrings__RabbitMq"] = _vhost!.ConnectionString });
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!cli.Output.Contains("Broker: RabbitMQ") && !cli.HasExited && DateTime.UtcNow < deadline)
            await Task.Delay(20, TestContext.Current.CancellationToken);

        using (var signal = Process.Start("kill", ["-TERM", cli.Id.ToString(CultureInfo.InvariantCulture)]))
            await signal.WaitForExitAsync(TestContext.Current.CancellationToken);
        var exit = await cli.WaitForExitAsync(TimeSpan.FromMinutes(1));

        // 143 when the command's own stop takes longer than System.CommandLine waits for it (2 s).
        Assert.True(exit is 130 or 143, $"exit {exit}:\n{cli.Output}");
        // Wherever the signal lands: before the bus, before or while sending, or while waiting.
        Assert.Matches(@"Stopped (before the command finished; run it again|before any fetch command was sent \(or as the first was under way\); run the same command again|after sending \d+ of 5844 fetch commands \(or one more, under way\)\. .*run the same command again|waiting at \d+ of 5844 days\. .*run the same command again)", cli.Output);
        Assert.DoesNotContain("error:", cli.Output);
    }
}
