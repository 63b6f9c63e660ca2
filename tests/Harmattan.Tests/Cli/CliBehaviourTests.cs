using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Harmattan.AirQinoSimulator;
using Harmattan.Cli;
using Harmattan.Cli.Commands;
using Harmattan.Cli.Pipeline;
using Harmattan.Contracts;
using Harmattan.Stations;
using Harmattan.Storage.MongoDb;
using Harmattan.Storage.Sqlite;
using Harmattan.Testing;
using Harmattan.Tests.Deploy;
using Harmattan.Tests.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MongoDB.Driver;
using static Harmattan.Tests.Cli.CliStoreSeed;

namespace Harmattan.Tests.Cli;

/// <summary>What a new user meets in the first hour, run in this process as the program runs.</summary>
[Collection(typeof(CliCollection))]
public sealed class CliBehaviourTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> CommandNames() => [.. HarmattanCli.CreateRoot().Subcommands.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(CommandNames))]
    public async Task Help_shows_each_default_once_and_durations_in_the_syntax_the_options_read(string command)
    {
        var (exit, help) = await _cli.InvokeAsync([command, "--help"]);

        Assert.Equal(0, exit);
        foreach (var line in help.Split('\n'))
            Assert.True(line.Split("default", StringSplitOptions.None).Length <= 2, $"a default shown twice: {line}");
        Assert.DoesNotMatch(@"\d\d:\d\d:\d\d\)?\.? *\[default", help);
    }

    [Fact]
    public async Task A_relative_store_path_is_relative_to_the_folder_the_command_was_typed_in()
    {
        var (exit, output) = await _cli.InvokeAsync(["export", "--station", "283164601", "--db", "data/typo.db"]);

        Assert.Equal(2, exit);
        Assert.Contains($"no store at {Path.Combine(_cli.Folder, "data", "typo.db")}", output);
        Assert.False(Directory.Exists(_cli.PathOf("data")));
    }

    [Fact]
    public async Task Status_of_a_range_reports_its_days_and_exits_0_without_max_age_however_old_the_data()
    {
        await SeedAsync("283164601", new DateOnly(2023, 11, 1), 30, hours: day => day % 10 == 0 ? 0 : day % 3 == 0 ? 12 : 24);

        var (exit, output) = await _cli.InvokeAsync(["status", "--station", "283164601", "--from", "2023-10-30", "--to", "2023-11-30",
            "--db", "harmattan.db", "--rabbitmq", "amqp://guest:guest@127.0.0.1:1/"]);

        Assert.True(exit == 0, output);
        Assert.Contains($"Store: SQLite {_cli.PathOf("harmattan.db")} (store schema {SqlitePipelineStore.SchemaVersion})", output);
        Assert.Contains("Station 283164601 (UTC; 2023-10-30..2023-11-30)", output);
        // 30 days stored: 3 with no hour, 9 with 12 hours (incomplete), 18 complete; and 2 days before them with no row.
        // The two kinds of missing day need different things: a backfill, or nothing. The range is on the station's line.
        Assert.Contains("  days               18 complete, 9 incomplete, 5 missing (of 32): 3 stored without a value at the source, 2 not fetched", output);
        Assert.DoesNotContain("STALE", output);
    }

    [Fact]
    public async Task Status_exits_2_only_when_max_age_is_given_and_exceeded()
    {
        await SeedAsync("283164601", new DateOnly(2023, 11, 1), 2, hours: _ => 24);

        var (exit, output) = await _cli.InvokeAsync(["status", "--station", "283164601", "--max-age", "3h", "--db", "harmattan.db",
            "--rabbitmq", "amqp://guest:guest@127.0.0.1:1/"]);

        Assert.Equal(2, exit);
        Assert.Contains("STALE: station 283164601's data is", output);
        Assert.Contains("older than --max-age 3h.", output);
    }

    [Fact]
    public async Task Status_with_a_last_hour_that_has_not_begun_by_this_machines_clock_says_so_and_fails_max_age()
    {
        // Stored by a machine whose clock was ahead, or read by one whose clock is behind: read as fresh, no check would fail.
        var tomorrow = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(1);
        await SeedAsync("283164601", tomorrow, 1, hours: _ => 24);

        var (exit, output) = await _cli.InvokeAsync(["status", "--station", "283164601", "--max-age", "3h", "--db", "harmattan.db",
            "--rabbitmq", "amqp://guest:guest@127.0.0.1:1/"]);

        Assert.Equal(2, exit);
        Assert.Contains("  data age           unknown (clock, below)\n", output);
        // The seed archives no fetch: the last fetch is "never".
        Assert.Contains("  clock              the last hour stored is later than this machine's now, ", output);
        Assert.Contains($"CLOCK: station 283164601's last hour stored, {tomorrow:yyyy-MM-dd} 23:00 UTC, has not begun by this machine's clock (", output);
        Assert.Contains("so its data age (--max-age 3h) cannot be told: check this machine's clock and the source's timestamps.", output);
        Assert.DoesNotContain("STALE", output);
    }

    [Fact]
    public async Task Status_names_the_stations_stored_that_are_not_configured()
    {
        await SeedAsync("283164601", new DateOnly(2023, 11, 1), 2, hours: _ => 24);
        await SeedAsync("283000001", new DateOnly(2023, 11, 1), 2, hours: _ => 24);

        var (exit, output) = await _cli.InvokeAsync(["status", "--db", "harmattan.db", "--rabbitmq", "amqp://guest:guest@127.0.0.1:1/"]);

        Assert.True(exit == 0, output);
        Assert.Contains("Station 283164601 (UTC;", output);
        Assert.Contains("Station 283181971 (UTC;", output);
        Assert.Contains("Also stored, not among the configured stations (so not checked by --max-age): 283000001. Add --station ID to see one.", output);
        (_, output) = await _cli.InvokeAsync(["status", "--station", "283000001", "--db", "harmattan.db", "--rabbitmq", "amqp://guest:guest@127.0.0.1:1/"]);
        Assert.Contains("Station 283000001 (UTC;", output);
        Assert.DoesNotContain("Also stored", output);
    }

    [Fact]
    public async Task Status_does_not_print_a_stored_id_that_is_no_station_id_such_as_one_with_terminal_escapes_and_a_forged_line()
    {
        await SeedAsync("283164601", new DateOnly(2023, 11, 1), 2, hours: _ => 24);
        // What a message published on the broker can leave in the store: the loader stores any id.
        const string hostile = "283000001\u001b[2J\nSTALE: forged";
        await SeedAsync(hostile, new DateOnly(2023, 11, 1), 2, hours: _ => 24);
        await SeedAsync("283000002", new DateOnly(2023, 11, 1), 2, hours: _ => 24);
        var store = new SqlitePipelineStore($"Data Source={_cli.PathOf("harmattan.db")}");
        await store.ArchiveRawFetchesAsync([new RawReadingsFetched
        {
            FetchId = Guid.NewGuid(), StationId = hostile, WindowStart = DateTimeOffset.UnixEpoch, WindowEnd = DateTimeOffset.UnixEpoch.AddDays(1),
            TimeZone = "UTC", Source = "test", FetchedAt = DateTimeOffset.UtcNow, Readings = [],
        }], Ct);
        SqliteConnection.ClearAllPools();

        var (exit, output) = await _cli.InvokeAsync(["status", "--db", "harmattan.db", "--rabbitmq", "amqp://guest:guest@127.0.0.1:1/"]);

        Assert.True(exit == 0, output);
        Assert.Contains("Also stored, not among the configured stations (so not checked by --max-age): 283000002. Add --station ID to see one.", output);
        // The raw archive's sizes count every station, so the id is printed there, escaped.
        Assert.Contains("  station \"283000001\\u001B[2J\\nSTALE: forged\": 1 fetch", output);
        Assert.DoesNotContain("\nSTALE: forged", output);
        Assert.DoesNotContain('\u001b', output);
    }

    [Fact]
    public async Task Status_of_a_day_not_begun_in_a_configured_station_s_zone_leaves_it_out_without_calling_it_unconfigured()
    {
        // Kiritimati (UTC+14) is always a day or two ahead of UTC-12: its today has not begun there.
        var ahead = DayWindows.LocalDate(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Pacific/Kiritimati"));
        await SeedAsync("283164601", ahead.AddDays(-3), 2, hours: _ => 24);
        await SeedAsync("283181971", ahead.AddDays(-3), 2, hours: _ => 24);
        var environment = new Dictionary<string, string>
        {
            ["Stations__0__Id"] = "283164601", ["Stations__0__TimeZone"] = "Pacific/Kiritimati",
            ["Stations__1__Id"] = "283181971", ["Stations__1__TimeZone"] = "Etc/GMT+12",
        };

        var (exit, output) = await _cli.InvokeAsync(["status", "--from", $"{ahead:yyyy-MM-dd}", "--to", $"{ahead:yyyy-MM-dd}",
            "--db", "harmattan.db", "--rabbitmq", "amqp://guest:guest@127.0.0.1:1/"], environment);

        Assert.True(exit == 0, output);
        Assert.Contains($"Station 283181971 is left out: {ahead:yyyy-MM-dd} has not begun in its time zone Etc/GMT+12", output);
        Assert.Contains("Station 283164601 (Pacific/Kiritimati;", output);
        Assert.DoesNotContain("Also stored", output);
    }

    [Fact]
    public async Task Status_of_a_station_removed_from_the_configuration_counts_its_days_in_the_zone_they_were_cut_in()
    {
        const string station = "283000001";
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Etc/GMT+12");
        var today = DayWindows.LocalDate(DateTimeOffset.UtcNow, zone);
        var store = new SqlitePipelineStore($"Data Source={_cli.PathOf("harmattan.db")}");
        await store.InitializeAsync(Ct);
        var window = DayWindows.ForDays(today.AddDays(-1), today, zone);
        await store.ArchiveRawFetchesAsync([new RawReadingsFetched
        {
            FetchId = Guid.NewGuid(), StationId = station, WindowStart = window.Start, WindowEnd = window.End, TimeZone = zone.Id,
            Source = "test", FetchedAt = DateTimeOffset.UtcNow, Readings = [],
        }], Ct);
        SqliteConnection.ClearAllPools();

        var (exit, output) = await _cli.InvokeAsync(["status", "--station", station, "--db", "harmattan.db",
            "--rabbitmq", "amqp://guest:guest@127.0.0.1:1/"]);

        Assert.True(exit == 0, output);
        Assert.Contains($"Station {station} (Etc/GMT+12; last 30 days: {today.AddDays(-29):yyyy-MM-dd}..{today:yyyy-MM-dd})", output);
    }

    [Fact]
    public async Task A_mistyped_station_id_in_export_and_status_is_named_with_the_stored_id_it_resembles()
    {
        await SeedAsync("283164601", new DateOnly(2023, 11, 1), 2, hours: _ => 24);
        await SeedAsync("283181971", new DateOnly(2023, 11, 1), 2, hours: _ => 24);
        const string note = "The store holds no day of station 28316401, but holds 2 other stations: did you mean 283164601? Check --station.";

        var (exit, output) = await _cli.InvokeAsync(["export", "--station", "28316401", "--db", "harmattan.db"]);

        Assert.Equal(2, exit);
        Assert.Equal($"error: nothing exported, nothing written. {note}\nsee 'harmattan export --help'\n", output);

        // Nor does it replace an earlier export with a CSV of no day, as a script that exports to one name would.
        await File.WriteAllTextAsync(_cli.PathOf("november.csv"), "an earlier export\n", Ct);
        (exit, output) = await _cli.InvokeAsync(["export", "--station", "28316401", "--db", "harmattan.db", "--out", "november.csv"]);

        Assert.Equal(2, exit);
        Assert.StartsWith($"error: nothing exported, {_cli.PathOf("november.csv")} left as it was. {note}", output);
        Assert.Equal("an earlier export\n", await File.ReadAllTextAsync(_cli.PathOf("november.csv"), Ct));

        // A configured station whose days are still to come (a station just added, or a fresh stack) is no typo.
        (exit, output) = await _cli.InvokeAsync(["export", "--station", "283164602", "--db", "harmattan.db", "--out", "new.csv"],
            new Dictionary<string, string> { ["Stations__0__Id"] = "283164602" });
        Assert.True(exit == 0, output);
        Assert.Contains("No daily averages stored for station 283164602; run `harmattan run` or `harmattan backfill` first.", output);
        Assert.StartsWith("station_id,date,time_zone,", await File.ReadAllTextAsync(_cli.PathOf("new.csv"), Ct));

        // Nor is a station fetched whose every day was missing at the source: its fetch is archived, no day of it stored.
        var store = new SqlitePipelineStore($"Data Source={_cli.PathOf("harmattan.db")}");
        await store.ArchiveRawFetchesAsync([Builders.RawFetch("283164609", new DateTimeOffset(2023, 11, 1, 0, 0, 0, TimeSpan.Zero), readings: [])], Ct);
        SqliteConnection.ClearAllPools();
        (exit, output) = await _cli.InvokeAsync(["export", "--station", "283164609", "--db", "harmattan.db"]);
        Assert.True(exit == 0, output);
        Assert.Contains("No daily averages stored for station 283164609; run `harmattan run` or `harmattan backfill` first.", output);

        (exit, output) = await _cli.InvokeAsync(["status", "--station", "28316401", "--db", "harmattan.db", "--rabbitmq", "amqp://guest:guest@127.0.0.1:1/"]);

        Assert.Equal(0, exit);
        Assert.Contains($"  {note}", output);
        (_, output) = await _cli.InvokeAsync(["export", "--station", "900000001", "--db", "harmattan.db"]);
        Assert.Contains("The store holds no day of station 900000001, but holds 2 other stations (`harmattan status` names them): check --station.", output);
    }

    [Fact]
    public async Task Output_that_is_not_a_terminal_keeps_long_lines_whole()
    {
        var station = "S" + new string('4', 63);
        await SeedAsync(station, new DateOnly(2023, 11, 1), 1, hours: _ => 24);

        var (_, output) = await _cli.InvokeAsync(["status", "--station", station, "--db", "harmattan.db",
            "--rabbitmq", "amqp://guest:guest@127.0.0.1:1/"]);

        Assert.Contains($"Station {station} (UTC; last 30 days: ", output.Split('\n').Single(l => l.StartsWith("Station ", StringComparison.Ordinal)));
        Assert.Contains(output.Split('\n'), l => l.StartsWith("Error queues unknown: RabbitMQ at 127.0.0.1:1, vhost / could not be reached", StringComparison.Ordinal)
            && l.EndsWith("are right.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_offline_run_names_every_station_on_one_line_quietly_and_suggests_the_simulator()
    {
        var (exit, output) = await _cli.InvokeAsync(["run", "--once", "--airqino-url", "http://127.0.0.1:9", "--db", "harmattan.db"],
            new Dictionary<string, string> { ["AirQino__RetryAttempts"] = "2", ["AirQino__RetryDelay"] = "00:00:00.1" });

        Assert.True(exit == 1, output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var failed = Array.FindIndex(lines, l => l.Contains("The run failed", StringComparison.Ordinal));
        Assert.True(failed >= 0, output);
        // After the heading: one line per station, then the suggestion, and nothing else.
        Assert.Equal(4, lines.Length - failed);
        Assert.StartsWith("  station 283164601: fetching station 283164601 ", lines[failed + 1]);
        Assert.Contains("could not be reached", lines[failed + 1]);
        Assert.StartsWith("  station 283181971: fetching station 283181971 ", lines[failed + 2]);
        Assert.Contains("--simulate", lines[failed + 3]);
        Assert.Contains("--airqino-url", lines[failed + 3]);
        // Retries are the client's business: logged only with --verbose.
        Assert.DoesNotContain(lines, l => l.Contains(" WRN]", StringComparison.Ordinal) || l.Contains(" ERR]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_run_refused_by_a_port_nobody_listens_on_suggests_the_simulator()
    {
        var (exit, output) = await _cli.InvokeAsync(["run", "--once", "--airqino-url", "http://127.0.0.1:18761", "--station", "283164601",
            "--db", "harmattan.db"], new Dictionary<string, string> { ["AirQino__RetryAttempts"] = "1", ["AirQino__RetryDelay"] = "00:00:00.1" });

        Assert.True(exit == 1, output);
        Assert.Contains("could not be reached", output);
        Assert.Contains(output.Split('\n'), l => l.StartsWith("No network or no access to AirQino? --simulate", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("refused")]
    [InlineData("silent")]
    public async Task A_run_whose_token_endpoint_cannot_be_reached_suggests_the_simulator(string endpoint)
    {
        // A port that accepts connections and never answers, or one nobody listens on.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        if (endpoint == "refused")
            silent.Stop();
        var tokenUrl = $"http://127.0.0.1:{port}/realms/airqino/protocol/openid-connect/token";

        var (exit, output) = await _cli.InvokeAsync(["run", "--once", "--airqino-url", "http://127.0.0.1:9", "--station", "283164601",
            "--db", "harmattan.db"], new Dictionary<string, string>
            {
                ["AirQino__TokenUrl"] = tokenUrl, ["AirQino__ClientId"] = "harmattan", ["AirQino__ClientSecret"] = "secret",
                ["AirQino__Timeout"] = "00:00:02", ["AirQino__RetryAttempts"] = "1", ["AirQino__RetryDelay"] = "00:00:00.1",
            });

        Assert.True(exit == 1, output);
        Assert.Contains($"The AirQino token endpoint {tokenUrl} {(endpoint == "refused" ? "could not be reached" : "did not answer within")}", output);
        Assert.Contains(output.Split('\n'), l => l.StartsWith("No network or no access to AirQino? --simulate", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_run_whose_credentials_the_token_endpoint_refuses_does_not_blame_the_network()
    {
        await using var simulator = await AirQinoSimulatorHost.StartAsync(new SimulatorOptions
        {
            StationIds = ["283164601"], Now = new DateTimeOffset(2023, 12, 10, 0, 0, 0, TimeSpan.Zero),
            Tokens = new SimulatorTokenOptions { RequireToken = true },
        }, Ct);

        var (exit, output) = await _cli.InvokeAsync(["run", "--once", "--airqino-url", simulator.BaseUrl, "--station", "283164601",
            "--from", "2023-11-01", "--to", "2023-11-02", "--db", "harmattan.db"], new Dictionary<string, string>
            {
                ["AirQino__TokenUrl"] = simulator.TokenUrl, ["AirQino__ClientId"] = "harmattan", ["AirQino__ClientSecret"] = "wrong",
                ["AirQino__RetryAttempts"] = "1", ["AirQino__RetryDelay"] = "00:00:00.1",
            });

        Assert.True(exit == 1, output);
        Assert.Contains("refused the client_credentials grant with 401", output);
        Assert.DoesNotContain("No network", output);
    }

    public static TheoryData<string> AnswersThatAreNotUsable() => ["larger than AirQino__MaxResponseBytes", "503", "cut short", "404"];

    [Theory]
    [MemberData(nameof(AnswersThatAreNotUsable))]
    public async Task A_run_that_airqino_answered_unusably_does_not_blame_the_network(string answer)
    {
        const string station = "283164601";
        await using var simulator = await AirQinoSimulatorHost.StartAsync(new SimulatorOptions
        {
            StationIds = [answer == "404" ? "283181971" : station],
            Now = new DateTimeOffset(2023, 12, 10, 0, 0, 0, TimeSpan.Zero),
        }, Ct);
        var environment = new Dictionary<string, string> { ["AirQino__RetryAttempts"] = "1", ["AirQino__RetryDelay"] = "00:00:00.1" };
        switch (answer)
        {
            case "larger than AirQino__MaxResponseBytes":
                environment["AirQino__MaxResponseBytes"] = "1000";
                break;
            case "503":
                simulator.Faults.FailRate = 1;
                break;
            case "cut short":
                simulator.Faults.TruncateRate = 1;
                break;
        }

        var (exit, output) = await _cli.InvokeAsync(["run", "--once", "--airqino-url", simulator.BaseUrl, "--station", station,
            "--from", "2023-11-01", "--to", "2023-11-02", "--db", "harmattan.db"], environment);

        Assert.True(exit == 1, output);
        var failure = Assert.Single(output.Split('\n'), l => l.StartsWith($"  station {station}: fetching", StringComparison.Ordinal));
        if (answer == "larger than AirQino__MaxResponseBytes")
            Assert.EndsWith("raise AirQino:MaxResponseBytes (environment variable AirQino__MaxResponseBytes) if such a response is expected.", failure);
        Assert.DoesNotContain("No network", output);
    }

    [Fact]
    public async Task A_run_with_one_station_unknown_to_airqino_names_it_first_and_does_not_blame_the_network()
    {
        await using var simulator = await AirQinoSimulatorHost.StartAsync(
            new SimulatorOptions { StationIds = ["900000001", "900000002", "900000003"], Now = new DateTimeOffset(2023, 12, 10, 0, 0, 0, TimeSpan.Zero) }, Ct);

        var (exit, output) = await _cli.InvokeAsync(["run", "--once", "--airqino-url", simulator.BaseUrl, "--station", "900000001",
            "--station", "90000002", "--station", "900000002", "--station", "900000003", "--from", "2023-11-01", "--to", "2023-11-02", "--db", "harmattan.db"]);

        Assert.True(exit == 1, output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var failed = Array.FindIndex(lines, l => l.Contains("The run failed", StringComparison.Ordinal));
        Assert.True(failed >= 0, output);
        Assert.Equal(3, lines.Length - failed);
        Assert.StartsWith("  station 90000002: fetching station 90000002 2023-11-01..2023-11-02: AirQino answered 404 Not Found", lines[failed + 1]);
        Assert.Equal("  the other 3 stations: every day stored", lines[failed + 2]);
    }

    [Fact]
    public async Task A_run_rides_out_a_transfer_cut_short_as_the_services_do()
    {
        const string station = "283164601";
        await using var simulator = await AirQinoSimulatorHost.StartAsync(
            new SimulatorOptions { StationIds = [station], Now = new DateTimeOffset(2023, 12, 10, 0, 0, 0, TimeSpan.Zero) }, Ct);
        // The client does not retry a body that stops halfway (the status was 200): only the bus asks again.
        simulator.Faults.TruncateNext(1);

        var (exit, output) = await _cli.InvokeAsync(["run", "--once", "--airqino-url", simulator.BaseUrl, "--station", station,
            "--from", "2023-11-01", "--to", "2023-11-02", "--db", "harmattan.db"]);

        Assert.True(exit == 0, output);
        Assert.Contains("Stored 2 days", output);
        Assert.Equal(2, simulator.Stats.Requests(station));
    }

    [Fact]
    public async Task A_simulated_run_stores_apart_from_real_data_and_the_reading_commands_say_where()
    {
        var (exit, output) = await _cli.InvokeAsync(["run", "--once", "--simulate", "--station", "283164601", "--from", "2023-11-01", "--to", "2023-11-02"],
            new Dictionary<string, string> { ["ConnectionStrings__Sqlite"] = $"Data Source={_cli.PathOf("real.db")}" });

        Assert.True(exit == 0, output);
        Assert.Contains($"Store: SQLite {_cli.PathOf("harmattan-simulated.db")}", output);
        Assert.True(File.Exists(_cli.PathOf("harmattan-simulated.db")));
        Assert.False(File.Exists(_cli.PathOf("real.db")), "the simulated run wrote into the store the environment names");
        Assert.False(File.Exists(_cli.PathOf("harmattan.db")), "the simulated run wrote into the default store of real data");

        (exit, output) = await _cli.InvokeAsync(["export", "--station", "283164601"]);
        Assert.Equal(2, exit);
        Assert.Contains($"no store at {_cli.PathOf("harmattan.db")}", output);
        Assert.Contains("The simulated data of `harmattan run --simulate` are in harmattan-simulated.db: add --db harmattan-simulated.db.", output);

        (exit, output) = await _cli.InvokeAsync(["export", "--station", "283164601", "--db", "harmattan-simulated.db"]);
        Assert.True(exit == 0, output);
        Assert.Contains("283164601,2023-11-02,", output);
    }

    [Fact]
    public async Task A_run_in_the_services_environment_keeps_its_own_in_memory_bus_and_says_so()
    {
        // The services' transport and broker, inherited: on the broker, the run's services would take the running
        // services' messages, and theirs the run's simulated ones. The broker named here answers nothing.
        var (exit, output) = await _cli.InvokeAsync(["run", "--once", "--simulate", "--station", "283164601", "--from", "2023-11-01", "--to", "2023-11-01"],
            new Dictionary<string, string> { ["Bus__Transport"] = "RabbitMq", ["ConnectionStrings__RabbitMq"] = "amqp://guest:guest@127.0.0.1:1/" });

        Assert.True(exit == 0, output);
        Assert.Contains("Bus:Transport=RabbitMq (Bus__Transport) is not used: harmattan run runs the pipeline in one process on its own in-memory bus, " +
                        "and leaves the services' queues to them.", output);
        Assert.Contains("Stored 1 day: ", output);
    }

    [Fact]
    public async Task A_SQLite_store_in_memory_is_refused_by_name_never_described_as_MongoDB()
    {
        foreach (var connection in new[] { "Data Source=", "Data Source=:memory:", "Data Source=x;Mode=Memory" })
        {
            var (exit, output) = await _cli.InvokeAsync(["status"], new Dictionary<string, string> { ["ConnectionStrings__Sqlite"] = connection });

            Assert.True(exit == 2, output);
            Assert.StartsWith("error: ConnectionStrings:Sqlite (environment variable ConnectionStrings__Sqlite) names no file but a database in memory", output);
            Assert.DoesNotContain("MongoDB", output);
        }
    }

    [Fact]
    public async Task The_bare_command_lists_the_commands_and_an_appsettings_file_in_the_current_folder_is_named_as_not_read()
    {
        var (exit, output) = await _cli.InvokeAsync([]);
        Assert.Equal(2, exit);
        Assert.Contains("Commands:", output);
        Assert.Contains("backfill", output);

        await File.WriteAllTextAsync(_cli.PathOf("appsettings.json"), """{ "Stations": [ { "Id": "999000111" } ] }""", Ct);
        (exit, output) = await _cli.InvokeAsync(["export", "--station", "283164601"]);
        Assert.Equal(2, exit);
        Assert.Contains($"Note: {_cli.PathOf("appsettings.json")} is not read: the harmattan command reads the appsettings.json beside its program", output);
    }

    [Fact]
    public async Task Without_a_SQLite_store_a_MongoDB_URI_in_the_environment_points_to_mongo()
    {
        var environment = new Dictionary<string, string> { ["ConnectionStrings__MongoDb"] = "mongodb://mongo.example:27017/?replicaSet=rs0" };

        var (exit, output) = await _cli.InvokeAsync(["status"], environment);

        Assert.Equal(2, exit);
        Assert.Contains($"no store at {_cli.PathOf("harmattan.db")}", output);
        Assert.Contains("ConnectionStrings__MongoDb is set, but a command reads SQLite unless given --mongo URI (or Storage__Provider=MongoDb).", output);
        var withoutUri = new Dictionary<string, string> { ["ConnectionStrings__MongoDb"] = "" };
        Assert.DoesNotContain("ConnectionStrings__MongoDb is set", (await _cli.InvokeAsync(["status"], withoutUri)).Output);
    }

    [Fact]
    public async Task A_run_of_one_day_says_one_day_and_export_to_a_dash_writes_standard_output()
    {
        var (exit, output) = await _cli.InvokeAsync(["run", "--once", "--simulate", "--station", "283164601", "--from", "2023-11-01", "--to", "2023-11-01"]);
        Assert.True(exit == 0, output);
        Assert.Contains("Stored 1 day: ", output);

        (exit, output) = await _cli.InvokeAsync(["export", "--station", "283164601", "--out", "-", "--db", "harmattan-simulated.db"]);

        Assert.True(exit == 0, output);
        Assert.Contains("283164601,2023-11-01,", output);
        Assert.False(File.Exists(_cli.PathOf("-")), "export wrote a file named -");
    }

    [Fact]
    public async Task A_long_run_prints_its_days_in_tables_of_at_most_a_thousand_rows_each_still_saying_simulated()
    {
        // 2 stations of 501 days: one day more than a table holds.
        var (exit, output) = await _cli.InvokeAsync(["run", "--once", "--simulate", "--from", "2023-01-01", "--to", "2024-05-15"]);

        Assert.True(exit == 0, output);
        Assert.Contains("Stored 1002 days", output);
        var lines = output.Split('\n');
        var rows = lines.Select(l => l.Trim()).Where(l => l.StartsWith("│ 2831", StringComparison.Ordinal)).ToList();
        Assert.Equal(1002, rows.Count);
        Assert.Equal(1002, rows.Select(r => string.Join(' ', r.Split('│')[1..3].Select(c => c.Trim()))).Distinct().Count());
        var tableStarts = lines.Select((line, index) => (line, index)).Where(l => l.line.Contains("CO mean", StringComparison.Ordinal))
            .Select(l => l.index).ToList();
        Assert.Equal(2, tableStarts.Count);
        Assert.Equal(RunCommand.DaysPerTable, lines[tableStarts[0]..tableStarts[1]].Count(l => l.Trim().StartsWith("│ 2831", StringComparison.Ordinal)));
        Assert.Equal(2, lines.Count(l => l.Trim() == "simulated data"));
    }

    [Fact]
    public async Task A_run_prints_its_days_and_means_as_the_exports_write_them_whatever_the_locale()
    {
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = new CultureInfo("ar-SA");
        try
        {
            var (exit, output) = await _cli.InvokeAsync(["run", "--once", "--simulate", "--station", "283164601", "--from", "2023-11-01", "--to", "2023-11-01"]);

            Assert.True(exit == 0, output);
            Assert.Matches(@"│ 283164601 │ 2023-11-01 │ -?[\d.]+ +│ [\d.]+ +│", output);
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    [Fact]
    public async Task A_command_refuses_another_applications_sqlite_database_and_leaves_it_as_it_is()
    {
        var other = _cli.PathOf("inventory.db");
        await using (var connection = new SqliteConnection($"Data Source={other};Pooling=False"))
        {
            await connection.OpenAsync(Ct);
            await using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE items (name TEXT); INSERT INTO items VALUES ('pump');";
            await create.ExecuteNonQueryAsync(Ct);
        }
        var before = await File.ReadAllBytesAsync(other, Ct);

        string[][] readingCommands =
        [
            ["export", "--station", "283164601", "--db", "inventory.db"],
            ["status", "--db", "inventory.db", "--rabbitmq", "amqp://guest:guest@127.0.0.1:1/"],
            // A writer too: it rebuilt the file, switched it to write-ahead logging and set its user_version.
            ["run", "--once", "--simulate", "--station", "283164601", "--from", "2023-11-01", "--to", "2023-11-01", "--db", "inventory.db"],
        ];
        foreach (var args in readingCommands)
        {
            var (exit, output) = await _cli.InvokeAsync(args);

            Assert.True(exit == 2, output);
            Assert.Contains($"error: {other} is not a Harmattan store: it holds items and none of the store's tables " +
                "(daily_averages, hourly_averages, raw_fetches); it was left as it is. Check --db (or ConnectionStrings__Sqlite).", output);
        }
        Assert.Equal(before, await File.ReadAllBytesAsync(other, Ct));
        Assert.False(File.Exists(other + "-wal"), "the database was switched to write-ahead logging");
    }

    [Fact]
    public async Task A_run_refuses_a_file_that_is_not_a_sqlite_database_before_anything_starts()
    {
        var notes = _cli.PathOf("notes.txt");
        await File.WriteAllTextAsync(notes, "not a database\n", Ct);

        var (exit, output) = await _cli.InvokeAsync(["run", "--once", "--simulate", "--station", "283164601", "--from", "2023-11-01", "--to", "2023-11-01", "--db", "notes.txt"]);

        Assert.True(exit == 2, output);
        Assert.Contains($"error: SQLite {notes} is not a SQLite database: check --db (or ConnectionStrings__Sqlite).", output);
        Assert.DoesNotContain("SIMULATED DATA", output);
        Assert.Equal("not a database\n", await File.ReadAllTextAsync(notes, Ct));
    }

    [Fact]
    public async Task A_simulated_run_of_more_than_ten_years_is_fetched_a_year_at_a_time()
    {
        // The simulator answers at most 3,660 days a request: asked in one request, 3,684 days failed with a 400.
        var (exit, output) = await _cli.InvokeAsync(["run", "--once", "--simulate", "--station", "283164601", "--from", "2012-12-01", "--to", "2023-01-01"]);

        Assert.True(exit == 0, output);
        Assert.Contains("Stored 3684 days", output);
    }

    [Fact]
    public async Task A_command_refuses_a_store_written_by_a_newer_version_naming_the_fix_and_leaves_it_as_it_is()
    {
        var newer = _cli.PathOf("harmattan.db");
        var store = new SqlitePipelineStore($"Data Source={newer}");
        await store.InitializeAsync(Ct);
        await store.UpsertAveragesAsync([Day("283164601", new DateOnly(2023, 1, 1), 24, DateTimeOffset.UtcNow)], Ct);
        store.Dispose();
        await NewerStoreFile.MarkAsync(newer, Ct);
        var before = await File.ReadAllBytesAsync(newer, Ct);

        string[][] commands =
        [
            ["export", "--station", "283164601"],
            ["status", "--rabbitmq", "amqp://guest:guest@127.0.0.1:1/"],
            ["backup", "--out", "copy.db"],
            ["archive", "prune"],
        ];
        foreach (var args in commands)
        {
            var (exit, output) = await _cli.InvokeAsync(args);

            Assert.True(exit == 2, $"{string.Join(' ', args)}: {output}");
            // The default store is named as configured, relative to the folder the command was typed in.
            Assert.Contains($"error: {NewerStoreFile.Refusal("harmattan.db")}.", output);
        }
        // run opens the store as its services start, and refuses it in the same words.
        var (runExit, runOutput) = await _cli.InvokeAsync(["run", "--once", "--simulate", "--db", newer]);
        Assert.True(runExit == 2, runOutput);
        Assert.Contains($"error: {NewerStoreFile.Refusal(newer)}.", runOutput);
        Assert.Equal(before, await File.ReadAllBytesAsync(newer, Ct));
    }

    [Fact]
    public async Task A_run_whose_store_a_newer_version_upgrades_under_it_ends_with_the_same_refusal_not_as_interrupted()
    {
        const string station = "283164601";
        await using var simulator = await AirQinoSimulatorHost.StartAsync(
            new SimulatorOptions { StationIds = [station], Now = new DateTimeOffset(2023, 12, 10, 0, 0, 0, TimeSpan.Zero) }, Ct);
        // AirQino answers late, so that the store is upgraded after run opened it and before its loader writes.
        simulator.Faults.Delay = TimeSpan.FromSeconds(2);
        var path = _cli.PathOf("harmattan.db");

        // The archive's prune would read the schema too, were its hour to come in these seconds.
        var run = _cli.InvokeAsync(["run", "--once", "--airqino-url", simulator.BaseUrl, "--station", station,
            "--from", "2023-11-01", "--to", "2023-11-02", "--db", path], new Dictionary<string, string> { ["Archive__PruneEnabled"] = "false" });
        await WaitUntilCreatedAsync(path, run);
        await NewerStoreFile.MarkAsync(path, Ct);
        var (exit, output) = await run;

        Assert.True(exit == 2, output);
        // Refused by the running loader, not by the check at start.
        Assert.Contains($"The loader stops: {NewerStoreFile.Refusal(path)}\n", output);
        Assert.EndsWith($"error: {NewerStoreFile.Refusal(path)}.", output.TrimEnd());
        Assert.DoesNotContain("Stopped", output);
        Assert.DoesNotContain("queues", output);
    }

    /// <summary>Returns once run has made the store at <paramref name="path"/>, of this version's schema.</summary>
    private static async Task WaitUntilCreatedAsync(string path, Task<(int Exit, string Output)> run)
    {
        while (!run.IsCompleted)
        {
            if (File.Exists(path) && await NewerStoreFile.ReadAsync(path, Ct) == SqlitePipelineStore.SchemaVersion)
                return;
            await Task.Delay(20, Ct);
        }
        Assert.Fail($"run ended before it made its store: {(await run).Output}");
    }

    [Fact]
    public async Task Export_hourly_writes_every_stored_hour_of_the_range_cut_in_the_stations_zone()
    {
        var paris = new Dictionary<string, string> { ["Stations__0__Id"] = "900000001", ["Stations__0__TimeZone"] = "Europe/Paris" };
        var (exit, output) = await _cli.InvokeAsync(["run", "--once", "--simulate", "--from", "2023-10-28", "--to", "2023-10-30"], paris);
        Assert.True(exit == 0, output);
        using var store = new SqlitePipelineStore($"Data Source={_cli.PathOf("harmattan-simulated.db")}");
        var stored = await store.GetHourlyAveragesAsync("900000001", DayWindows.StartOfDay(new DateOnly(2023, 10, 29), TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris")),
            DayWindows.StartOfDay(new DateOnly(2023, 10, 30), TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris")), Ct);

        (exit, output) = await _cli.InvokeAsync(["export", "--station", "900000001", "--hourly", "--from", "2023-10-29", "--to", "2023-10-29",
            "--out", "hours.csv", "--db", "harmattan-simulated.db"]);

        Assert.True(exit == 0, output);
        Assert.Contains($"Wrote {stored.Count} hours (1 day, Europe/Paris) of station 900000001 to {_cli.PathOf("hours.csv")}", output);
        var lines = await File.ReadAllLinesAsync(_cli.PathOf("hours.csv"), Ct);
        Assert.StartsWith("station_id,hour,local_time,co,co_rejected,", lines[0]);
        // The 25 hours of the day the clocks go back, 22:00 UTC the evening before to 23:00 UTC, as stored.
        Assert.Equal(stored.Select(h => $"900000001,{h.Hour.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'},"), lines[1..].Select(l => l[..31]));
        Assert.Equal("900000001,2023-10-28T22:00:00Z,2023-10-29T00:00:00+02:00,", lines[1][..57]);
        Assert.All(lines[1..], l => Assert.Contains(",2023-10-29T", l));
    }

    [Fact]
    public async Task Export_hourly_writes_each_hours_local_time_in_the_zone_its_day_was_cut_in()
    {
        var (exit, output) = await _cli.InvokeAsync(["run", "--once", "--simulate", "--from", "2023-11-01", "--to", "2023-11-02"],
            new Dictionary<string, string> { ["Stations__0__Id"] = "900000001", ["Stations__0__TimeZone"] = "UTC" });
        Assert.True(exit == 0, output);
        // The station's zone changed: the next days are cut in Paris (UTC+1 in November), the first two stay as they were.
        (exit, output) = await _cli.InvokeAsync(["run", "--once", "--simulate", "--from", "2023-11-03", "--to", "2023-11-04"],
            new Dictionary<string, string> { ["Stations__0__Id"] = "900000001", ["Stations__0__TimeZone"] = "Europe/Paris" });
        Assert.True(exit == 0, output);

        (exit, output) = await _cli.InvokeAsync(["export", "--station", "900000001", "--hourly", "--from", "2023-11-01", "--to", "2023-11-04",
            "--out", "hours.csv", "--db", "harmattan-simulated.db"]);

        Assert.True(exit == 0, output);
        Assert.Contains(" hours (4 days, UTC and Europe/Paris) of station 900000001", output);
        var rows = (await File.ReadAllLinesAsync(_cli.PathOf("hours.csv"), Ct))[1..].Select(l => l.Split(',')).ToList();
        // Paris's 2023-11-03 begins at 23:00 UTC on the 2nd, an hour the UTC day 2023-11-02 holds too: it is the later day's.
        var (utcDays, parisDays) = (rows.Where(r => string.CompareOrdinal(r[1], "2023-11-02T23:00:00Z") < 0).ToList(),
            rows.Where(r => string.CompareOrdinal(r[1], "2023-11-02T23:00:00Z") >= 0).ToList());
        Assert.True(utcDays.Count > 40 && parisDays.Count > 40, $"{utcDays.Count} hours before 2023-11-02T23:00Z, {parisDays.Count} after");
        Assert.All(utcDays, r => Assert.Equal(r[1].Replace("Z", "+00:00"), r[2]));
        Assert.All(parisDays, r => Assert.Equal(DateTimeOffset.Parse(r[1], System.Globalization.CultureInfo.InvariantCulture).ToOffset(TimeSpan.FromHours(1))
            .ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture), r[2]));
        Assert.True(string.CompareOrdinal(rows[0][1], "2023-11-01T00:00:00Z") >= 0 && string.CompareOrdinal(rows[^1][1], "2023-11-04T22:00:00Z") <= 0,
            $"{rows[0][1]} to {rows[^1][1]}");
    }

    [Theory]
    [InlineData(null, "Africa/Lagos", "2023-11-01T23:00:00Z,2023-11-02T00:00:00+01:00")]
    [InlineData("Asia/Tokyo", "Africa/Lagos", "2023-11-01T15:00:00Z,2023-11-02T00:00:00+09:00")]
    public async Task Export_hourly_cuts_a_day_stored_without_its_zone_in_the_zone_the_dashboard_shows(string? archived, string configured,
        string firstHour)
    {
        // Rows of a SQLite file older than the zone column, whose fetches are no longer archived, record no zone.
        var store = new SqlitePipelineStore($"Data Source={_cli.PathOf("harmattan.db")}");
        await store.InitializeAsync(Ct);
        await store.UpsertAveragesAsync([Builders.Averages("900000001", new DateOnly(2023, 11, 1), days: 3)], Ct);
        if (archived is not null)
            await store.ArchiveRawFetchesAsync([new RawReadingsFetched
            {
                FetchId = Guid.NewGuid(), StationId = "900000001", WindowStart = new DateTimeOffset(2023, 11, 5, 15, 0, 0, TimeSpan.Zero),
                WindowEnd = new DateTimeOffset(2023, 11, 6, 15, 0, 0, TimeSpan.Zero), TimeZone = archived, Source = "test",
                FetchedAt = new DateTimeOffset(2023, 11, 6, 16, 0, 0, TimeSpan.Zero), Readings = [],
            }], Ct);
        await ForgetTheDaysZonesAsync();

        var (exit, output) = await _cli.InvokeAsync(["export", "--station", "900000001", "--hourly", "--from", "2023-11-02", "--to", "2023-11-02",
            "--out", "hours.csv", "--db", "harmattan.db"],
            new Dictionary<string, string> { ["Stations__0__Id"] = "900000001", ["Stations__0__TimeZone"] = configured });

        Assert.True(exit == 0, output);
        Assert.Contains($"Wrote 24 hours (1 day, {archived ?? configured}) of station 900000001", output);
        Assert.StartsWith($"900000001,{firstHour},", (await File.ReadAllLinesAsync(_cli.PathOf("hours.csv"), Ct))[1]);
    }

    [Fact]
    public async Task Export_says_whether_a_day_stored_without_its_zone_was_running_in_the_zone_its_hours_are_cut_in()
    {
        // 1 November ended in Kolkata at 18:30 UTC; fetched at 20:00 UTC, it had ended there, not in UTC.
        var store = new SqlitePipelineStore($"Data Source={_cli.PathOf("harmattan.db")}");
        await store.InitializeAsync(Ct);
        await store.UpsertAveragesAsync([Builders.Averages("900000001", new DateOnly(2023, 11, 1), hoursCovered: 10,
            fetchedAt: new DateTimeOffset(2023, 11, 1, 20, 0, 0, TimeSpan.Zero), isComplete: false)], Ct);
        await ForgetTheDaysZonesAsync();

        var (exit, output) = await _cli.InvokeAsync(["export", "--station", "900000001", "--out", "days.csv", "--db", "harmattan.db"],
            new Dictionary<string, string> { ["Stations__0__Id"] = "900000001", ["Stations__0__TimeZone"] = "Asia/Kolkata" });

        Assert.True(exit == 0, output);
        // is_complete, is_running: ended incomplete, as `status` and `run --once` say of it.
        Assert.EndsWith(",false,false", (await File.ReadAllLinesAsync(_cli.PathOf("days.csv"), Ct))[1]);
    }

    [Fact]
    public async Task Export_replaces_the_file_it_names_with_the_whole_csv_and_leaves_nothing_beside_it()
    {
        await SeedAsync("283164601", new DateOnly(2023, 11, 1), 3, hours: _ => 24);
        await File.WriteAllTextAsync(_cli.PathOf("days.csv"), "last month's export\n", Ct);

        var (exit, output) = await _cli.InvokeAsync(["export", "--station", "283164601", "--out", "days.csv", "--db", "harmattan.db"]);

        Assert.True(exit == 0, output);
        var lines = await File.ReadAllLinesAsync(_cli.PathOf("days.csv"), Ct);
        Assert.StartsWith("station_id,date,", lines[0]);
        Assert.Equal(["283164601,2023-11-01", "283164601,2023-11-02", "283164601,2023-11-03"], lines[1..].Select(l => l[..20]));
        Assert.Equal([_cli.PathOf("days.csv")], Directory.GetFiles(_cli.Folder, "days.csv*"));
    }

    [Fact]
    public async Task An_export_that_fails_halfway_leaves_the_file_it_would_replace_as_it_was()
    {
        var file = new FileInfo(_cli.PathOf("days.csv"));
        await File.WriteAllTextAsync(file.FullName, "last month's export\n", Ct);

        var error = await Assert.ThrowsAsync<CliException>(() => ExportCommand.WriteWholeAsync(file, async writer =>
        {
            await writer.WriteLineAsync("station_id,date");
            await writer.FlushAsync(Ct);
            throw new IOException("No space left on device");
        }));

        Assert.Equal(1, error.ExitCode);
        Assert.Equal($"--out: writing {file.FullName} failed (No space left on device); the file is as it was before the export. " +
            $"Check the free space and the rights on {file.DirectoryName}.", error.Message);
        Assert.Equal("last month's export\n", await File.ReadAllTextAsync(file.FullName, Ct));
        Assert.Equal([file.FullName], Directory.GetFiles(_cli.Folder, "days.csv*"));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task An_export_to_a_link_replaces_the_file_it_leads_to_keeps_the_link_and_the_file_s_permissions()
    {
        await SeedAsync("283164601", new DateOnly(2023, 11, 1), 1, hours: _ => 24);
        Directory.CreateDirectory(_cli.PathOf("shared"));
        await File.WriteAllTextAsync(_cli.PathOf("shared/latest.csv"), "last month's export\n", Ct);
        File.SetUnixFileMode(_cli.PathOf("shared/latest.csv"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        File.CreateSymbolicLink(_cli.PathOf("days.csv"), "shared/latest.csv");

        var (exit, output) = await _cli.InvokeAsync(["export", "--station", "283164601", "--out", "days.csv", "--db", "harmattan.db"]);

        Assert.True(exit == 0, output);
        Assert.Equal("shared/latest.csv", new FileInfo(_cli.PathOf("days.csv")).LinkTarget);
        Assert.StartsWith("station_id,date,", await File.ReadAllTextAsync(_cli.PathOf("shared/latest.csv"), Ct));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(_cli.PathOf("shared/latest.csv")));
        Assert.Equal([_cli.PathOf("shared/latest.csv")], Directory.GetFiles(_cli.PathOf("shared")));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_link_planted_at_an_export_s_or_a_backup_s_partial_name_is_not_written_through()
    {
        // Someone else who may write the folder links FILE.partial to a file of the user's before the command runs.
        await SeedAsync("283164601", new DateOnly(2023, 11, 1), 1, hours: _ => 24);
        await File.WriteAllTextAsync(_cli.PathOf("victim.conf"), "settings\n", Ct);
        File.CreateSymbolicLink(_cli.PathOf("days.csv.partial"), _cli.PathOf("victim.conf"));
        File.CreateSymbolicLink(_cli.PathOf("copy.db.partial"), _cli.PathOf("victim.conf"));

        var (exit, output) = await _cli.InvokeAsync(["export", "--station", "283164601", "--out", "days.csv", "--db", "harmattan.db"]);
        Assert.True(exit == 0, output);
        (exit, output) = await _cli.InvokeAsync(["backup", "--out", "copy.db", "--db", "harmattan.db"]);
        Assert.True(exit == 0, output);

        Assert.Equal("settings\n", await File.ReadAllTextAsync(_cli.PathOf("victim.conf"), Ct));
        Assert.Null(new FileInfo(_cli.PathOf("days.csv")).LinkTarget);
        Assert.StartsWith("station_id,date,", await File.ReadAllTextAsync(_cli.PathOf("days.csv"), Ct));
        Assert.Null(new FileInfo(_cli.PathOf("copy.db")).LinkTarget);
        Assert.True(StoreLocation.IsSqliteDatabase(new FileInfo(_cli.PathOf("copy.db"))));
        Assert.False(File.Exists(_cli.PathOf("days.csv.partial")) || File.Exists(_cli.PathOf("copy.db.partial")));
    }

    [Fact]
    public async Task An_export_to_a_fifo_writes_into_it_and_leaves_it_a_fifo()
    {
        // A device, a terminal or a pipe (/dev/null, /dev/stdout, >(gzip ...), a FIFO) is written as a shell's > writes:
        // renamed over, /dev/null would be a plain file for every other program of the machine.
        await SeedAsync("283164601", new DateOnly(2023, 11, 1), 1, hours: _ => 24);
        var fifo = _cli.PathOf("days.csv");
        Assert.Equal(0, Repository.Run("mkfifo", fifo).ExitCode);
        var read = Task.Run(() => File.ReadAllTextAsync(fifo, Ct), Ct);

        var (exit, output) = await _cli.InvokeAsync(["export", "--station", "283164601", "--out", "days.csv", "--db", "harmattan.db"]);

        Assert.True(exit == 0, output);
        Assert.StartsWith("station_id,date,", await read.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        Assert.Equal(0, Repository.Run("test", "-p", fifo).ExitCode);
        Assert.Equal([fifo], Directory.GetFiles(_cli.Folder, "days.csv*"));
        Assert.True(ExportCommand.WritesInPlace(new FileInfo("/dev/stdout"), new FileInfo("/proc/self/fd/pipe:[1]")));
        Assert.True(ExportCommand.WritesInPlace(new FileInfo("/dev/null"), new FileInfo("/dev/null")));
    }

    [Fact]
    public async Task A_second_export_of_one_file_while_the_first_is_under_way_is_refused_and_the_first_ends_whole()
    {
        // A scheduled export and one by hand: the second starts while the first is halfway.
        var file = new FileInfo(_cli.PathOf("days.csv"));
        var first = string.Concat(Enumerable.Range(0, 2000).Select(i => $"first,{i}\n"));
        CliException? refused = null;

        await ExportCommand.WriteWholeAsync(file, async writer =>
        {
            await writer.WriteAsync(first[..(first.Length / 2)]);
            await writer.FlushAsync(Ct);
            refused = await Assert.ThrowsAsync<CliException>(() => ExportCommand.WriteWholeAsync(file, writer => writer.WriteAsync("second\n")));
            await writer.WriteAsync(first[(first.Length / 2)..]);
        });

        Assert.Equal($"--out: another export to {file.FullName} is under way (it holds {file.FullName}.partial); " +
            "wait for it to end, or write another file.", refused!.Message);
        Assert.Equal(first, await File.ReadAllTextAsync(file.FullName, Ct));
        Assert.Equal([file.FullName], Directory.GetFiles(_cli.Folder, "days.csv*"));

        // What a killed export left is no one's: the next export takes it over.
        await File.WriteAllTextAsync(file.FullName + ".partial", "half an export", Ct);
        await ExportCommand.WriteWholeAsync(file, writer => writer.WriteAsync("next\n"));
        Assert.Equal("next\n", await File.ReadAllTextAsync(file.FullName, Ct));
        Assert.Equal([file.FullName], Directory.GetFiles(_cli.Folder, "days.csv*"));
    }

    [Fact]
    public async Task An_export_stopped_halfway_creates_no_file()
    {
        var file = new FileInfo(_cli.PathOf("days.csv"));
        using var stop = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ExportCommand.WriteWholeAsync(file, async writer =>
        {
            await writer.WriteLineAsync("station_id,date");
            await stop.CancelAsync();
            stop.Token.ThrowIfCancellationRequested();
        }));

        Assert.Empty(Directory.GetFiles(_cli.Folder, "days.csv*"));
    }

    /// <summary>What the rows of a SQLite file older than the zone column, whose fetches are no longer archived, record: no zone.</summary>
    private async Task ForgetTheDaysZonesAsync()
    {
        await using (var connection = new SqliteConnection($"Data Source={_cli.PathOf("harmattan.db")}"))
        {
            await connection.OpenAsync(Ct);
            await using var unzone = connection.CreateCommand();
            unzone.CommandText = "UPDATE daily_averages SET time_zone = NULL";
            await unzone.ExecuteNonQueryAsync(Ct);
        }
        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task Monthly_exports_with_the_quantities_named_have_the_same_columns_whatever_each_month_holds()
    {
        var store = new SqlitePipelineStore($"Data Source={_cli.PathOf("harmattan.db")}");
        await store.InitializeAsync(Ct);
        var co = new QuantityStats { Mean = 0.5, Min = 0.1, Max = 0.9, Count = 24, Rejected = 0 };
        var no2 = new QuantityStats { Mean = 12, Min = 3, Max = 30, Count = 24, Rejected = 1 };
        var fetchedAt = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        // The NO2 sensor came in December.
        await store.UpsertAveragesAsync([
            Builders.Averages("283164601", new DateOnly(2023, 11, 1), 24, new Dictionary<string, QuantityStats> { ["co"] = co }, fetchedAt),
            Builders.Averages("283164601", new DateOnly(2023, 12, 1), 24, new Dictionary<string, QuantityStats> { ["co"] = co, ["no2"] = no2 }, fetchedAt)], Ct);
        SqliteConnection.ClearAllPools();

        var (exit, november) = await _cli.InvokeAsync(["export", "--station", "283164601", "--from", "2023-11-01", "--to", "2023-11-30",
            "--quantity", "no2", "--quantity", "co", "--db", "harmattan.db"]);
        Assert.True(exit == 0, november);
        (exit, var december) = await _cli.InvokeAsync(["export", "--station", "283164601", "--from", "2023-12-01", "--to", "2023-12-31",
            "--quantity", "no2", "--quantity", "co", "--db", "harmattan.db"]);
        Assert.True(exit == 0, december);

        const string header = "station_id,date,time_zone,co_mean,co_min,co_max,co_count,co_rejected," +
            "no2_mean,no2_min,no2_max,no2_count,no2_rejected,hours_covered,completeness,is_complete,is_running";
        Assert.Equal(header, november.Split('\n')[0]);
        Assert.Equal(header, december.Split('\n')[0]);
        Assert.StartsWith("283164601,2023-11-01,UTC,0.5,0.1,0.9,24,0,,,,0,0,24,", november.Split('\n')[1]);
        Assert.StartsWith("283164601,2023-12-01,UTC,0.5,0.1,0.9,24,0,12,3,30,24,1,24,", december.Split('\n')[1]);
        Assert.Contains("No exported days hold no2: its columns are empty (the days hold co).", november);

        // Naming fewer quantities than the range holds leaves the others out, and says so.
        (exit, var coOnly) = await _cli.InvokeAsync(["export", "--station", "283164601", "--from", "2023-12-01", "--to", "2023-12-31", "--hourly",
            "--quantity", "co", "--db", "harmattan.db"]);
        Assert.True(exit == 0, coOnly);
        Assert.Equal("station_id,hour,local_time,co,co_rejected", coOnly.Split('\n')[0]);
        Assert.Contains("Left out: no2, held by the exported hours but not named by --quantity.", coOnly);
    }

    [Fact]
    public async Task Export_replaces_a_previous_export_but_refuses_to_overwrite_a_store()
    {
        var (exit, output) = await _cli.InvokeAsync(["run", "--once", "--simulate", "--station", "283164601", "--from", "2023-11-01", "--to", "2023-11-01"]);
        Assert.True(exit == 0, output);
        var store = _cli.PathOf("harmattan-simulated.db");
        var storeBytes = await File.ReadAllBytesAsync(store, Ct);
        await File.WriteAllTextAsync(_cli.PathOf("november.csv"), "station_id,date\nan older export\n", Ct);

        (exit, output) = await _cli.InvokeAsync(["export", "--station", "283164601", "--out", "november.csv", "--db", "harmattan-simulated.db"]);
        Assert.True(exit == 0, output);
        Assert.Contains("283164601,2023-11-01,", await File.ReadAllTextAsync(_cli.PathOf("november.csv"), Ct));

        // The store being read, named as the output by mistake.
        (exit, output) = await _cli.InvokeAsync(["export", "--station", "283164601", "--out", "harmattan-simulated.db", "--db", "harmattan-simulated.db"]);

        Assert.Equal(2, exit);
        Assert.Contains($"error: --out: {store} is a SQLite database (a store), which the CSV would overwrite; name another file", output);
        SqliteConnection.ClearAllPools();
        Assert.Equal(storeBytes, await File.ReadAllBytesAsync(store, Ct));
    }

    [Theory]
    [InlineData("status")]
    [InlineData("export --station 283164601")]
    [InlineData("archive stats")]
    [InlineData("dashboard --port 5397")]
    public async Task A_file_that_is_not_a_SQLite_database_given_as_the_store_is_named_and_left_as_it_was(string command)
    {
        const string notes = "station,comment\n283164601,my own notes\n";
        await File.WriteAllTextAsync(_cli.PathOf("notes.csv"), notes, Ct);

        var (exit, output) = await _cli.InvokeAsync([.. command.Split(' '), "--db", "notes.csv"]);

        Assert.Equal(2, exit);
        Assert.Contains($"error: SQLite {_cli.PathOf("notes.csv")} is not a SQLite database: check --db (or ConnectionStrings__Sqlite).", output);
        Assert.Equal(notes, await File.ReadAllTextAsync(_cli.PathOf("notes.csv"), Ct));
    }

    [Fact]
    public async Task Today_is_running_in_the_table_of_a_run_and_in_status_and_yesterday_is_not()
    {
        var (exit, output) = await _cli.InvokeAsync(["run", "--once", "--simulate", "--station", "283164601"]);

        Assert.True(exit == 0, output);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        // Yesterday ended before it was fetched: complete or not by its hours (the simulator leaves out a day now and then).
        Assert.Matches($@"│ 283164601 │ {today.AddDays(-1):yyyy-MM-dd} │ .* │ \d+/24 +│ (yes|no) +│", output);
        Assert.Matches($@"│ 283164601 │ {today:yyyy-MM-dd} │ .* │ running +│", output);

        (exit, output) = await _cli.InvokeAsync(["status", "--station", "283164601", "--db", "harmattan-simulated.db"]);
        Assert.True(exit == 0, output);
        // Also in the first hour of a UTC day, when no hour of today has ended yet.
        Assert.Contains(" incomplete (1 still running), ", output);
    }

    [Fact]
    public async Task An_empty_default_store_beside_the_simulated_one_points_to_it()
    {
        var (exit, output) = await _cli.InvokeAsync(["run", "--once", "--simulate", "--station", "283164601", "--from", "2023-11-01", "--to", "2023-11-02"]);
        Assert.True(exit == 0, output);
        // What an offline `harmattan run --once` leaves: the store it created before the fetches failed.
        using (var empty = new SqlitePipelineStore($"Data Source={_cli.PathOf("harmattan.db")}"))
            await empty.InitializeAsync(Ct);
        const string hint = "The simulated data of `harmattan run --simulate` are in harmattan-simulated.db: add --db harmattan-simulated.db.";

        (exit, output) = await _cli.InvokeAsync(["export", "--station", "283164601"]);
        Assert.Equal(0, exit);
        Assert.Contains($"No daily averages stored for station 283164601; run `harmattan run` or `harmattan backfill` first. {hint}", output);

        (exit, output) = await _cli.InvokeAsync(["status"]);
        Assert.Contains($"Nothing stored here. {hint}", output);

        (exit, output) = await _cli.InvokeAsync(["status", "--db", "harmattan-simulated.db"]);
        Assert.DoesNotContain("Nothing stored here", output);
    }

    [Fact]
    public async Task The_db_option_names_the_store_even_where_the_environment_says_MongoDb()
    {
        await SeedAsync("283164601", new DateOnly(2023, 11, 1), 2, hours: _ => 24);

        var (exit, output) = await _cli.InvokeAsync(["export", "--station", "283164601", "--db", "harmattan.db"],
            new Dictionary<string, string>
            {
                ["Storage__Provider"] = "MongoDb",
                ["ConnectionStrings__MongoDb"] = "mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=500",
            });

        Assert.True(exit == 0, output);
        Assert.Contains("283164601,2023-11-02,", output);
    }

    private static string[][] MongoReadingCommands(string connectionString) =>
    [
        ["status", "--mongo", connectionString],
        ["export", "--station", "283164601", "--mongo", connectionString],
        ["archive", "stats", "--mongo", connectionString],
        ["archive", "prune", "--dry-run", "--mongo", connectionString],
    ];

    /// <summary>Every command that opens the MongoDB store: each refuses a store it cannot use before it writes anything.</summary>
    private static string[][] MongoStoreCommands(string connectionString) =>
    [
        .. MongoReadingCommands(connectionString),
        ["archive", "prune", "--mongo", connectionString],
        ["replay", "--station", "283164601", "--from", "2023-11-01", "--to", "2023-11-02", "--mongo", connectionString],
        ["backfill", "--station", "283164601", "--from", "2023-11-01", "--to", "2023-11-02", "--mongo", connectionString],
    ];

    [Fact]
    public async Task Mongo_the_reading_commands_create_nothing_in_the_database_so_a_read_only_user_can_run_them()
    {
        var connectionString = await MongoTestServer.RequireAsync();
        var database = MongoTestServer.FreshDatabaseName();
        using var client = MongoTestServer.CreateClient(connectionString);
        try
        {
            var indexesBefore = await InitializedIndexesAsync(client, database);
            var environment = new Dictionary<string, string> { ["Storage__MongoDatabase"] = database };
            foreach (var command in MongoReadingCommands(connectionString))
            {
                var (exit, output) = await _cli.InvokeAsync(command, environment);
                Assert.True(exit == 0, $"{command[0]}: {output}");
                if (command[0] == "status")
                    Assert.Contains($"database {database} (store schema {MongoPipelineStore.SchemaVersion})", output);
            }

            Assert.Equal(indexesBefore, await IndexesAsync(client, database));
        }
        finally
        {
            await client.DropDatabaseAsync(database, CancellationToken.None);
        }
    }

    /// <summary>
    /// Initializes the store and waits for the gap check's index, which the store builds in the background: listed
    /// before it lands, it would look like an index a command created.
    /// </summary>
    private static async Task<List<string>> InitializedIndexesAsync(IMongoClient client, string database)
    {
        await new MongoPipelineStore(client, database).InitializeAsync(Ct);
        var gapCheckIndex = $"{MongoSchema.RawFetches}.{MongoUniqueKeys.Name(MongoCommands.RawFetchesByStationWindowEnd)}";
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var indexes = await IndexesAsync(client, database);
        while (!indexes.Contains(gapCheckIndex) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, Ct);
            indexes = await IndexesAsync(client, database);
        }
        Assert.Contains(gapCheckIndex, indexes);
        return indexes;
    }

    private static async Task<List<string>> IndexesAsync(IMongoClient client, string database)
    {
        var indexes = new List<string>();
        foreach (var collection in (await (await client.GetDatabase(database).ListCollectionNamesAsync(cancellationToken: Ct)).ToListAsync(Ct)).Order())
            foreach (var index in await (await client.GetDatabase(database).GetCollection<MongoDB.Bson.BsonDocument>(collection).Indexes.ListAsync(Ct)).ToListAsync(Ct))
                indexes.Add($"{collection}.{index["name"]}");
        return [.. indexes.Order()];
    }

    [Fact]
    public async Task Mongo_a_misspelt_database_is_refused_by_the_reading_commands_not_read_as_an_empty_store()
    {
        var connectionString = await MongoTestServer.RequireAsync();
        var database = MongoTestServer.FreshDatabaseName();
        using var client = MongoTestServer.CreateClient(connectionString);
        try
        {
            var environment = new Dictionary<string, string> { ["Storage__MongoDatabase"] = database };
            // The dashboard too, which is refused before it serves.
            foreach (var command in (string[][])[.. MongoStoreCommands(connectionString), ["dashboard", "--mongo", connectionString, "--port", "5398"]])
            {
                var (exit, output) = await _cli.InvokeAsync(command, environment);
                Assert.True(exit == 2, $"{command[0]}: {output}");
                Assert.Contains($"error: no store: database {database} of MongoDB at ", output);
                Assert.Contains("Check Storage__MongoDatabase (default harmattan)", output);
            }

            Assert.Empty(await (await client.GetDatabase(database).ListCollectionNamesAsync(cancellationToken: Ct)).ToListAsync(Ct));
        }
        finally
        {
            await client.DropDatabaseAsync(database, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Mongo_a_command_refuses_a_database_written_by_a_newer_version_naming_the_fix_and_leaves_it_as_it_is()
    {
        var connectionString = await MongoTestServer.RequireAsync();
        var database = MongoTestServer.FreshDatabaseName();
        using var client = MongoTestServer.CreateClient(connectionString);
        try
        {
            var indexesBefore = await InitializedIndexesAsync(client, database);
            var storeInfo = client.GetDatabase(database).GetCollection<MongoDB.Bson.BsonDocument>(MongoSchema.StoreInfo);
            await storeInfo.UpdateOneAsync(MongoCommands.LayoutDocument, MongoCommands.RecordLayoutVersion(MongoPipelineStore.SchemaVersion + 1),
                cancellationToken: Ct);
            var environment = new Dictionary<string, string> { ["Storage__MongoDatabase"] = database };
            string[][] commands =
            [
                .. MongoStoreCommands(connectionString),
                ["run", "--once", "--station", "283164601", "--airqino-url", "http://127.0.0.1:9", "--mongo", connectionString],
            ];
            foreach (var command in commands)
            {
                var (exit, output) = await _cli.InvokeAsync(command, environment);
                Assert.True(exit == 2, $"{command[0]}: {output}");
                Assert.Contains($"error: database {database} of MongoDB at ", output);
                Assert.Contains($" was written by a newer version of Harmattan (store schema {MongoPipelineStore.SchemaVersion + 1}; this version " +
                    $"knows up to {MongoPipelineStore.SchemaVersion}) and was left as it is: run the version that wrote it, or a later one, " +
                    "or restore a dump taken before the upgrade with mongorestore.", output);
            }

            Assert.Equal(indexesBefore, await IndexesAsync(client, database));
            Assert.Equal(0, await client.GetDatabase(database).GetCollection<MongoDB.Bson.BsonDocument>(MongoSchema.DailyAverages)
                .CountDocumentsAsync(MongoCommands.AllDocuments, cancellationToken: Ct));
        }
        finally
        {
            await client.DropDatabaseAsync(database, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Mongo_run_simulate_stores_into_a_database_of_its_own_whatever_the_environment_names()
    {
        var connectionString = await MongoTestServer.RequireAsync();
        var database = MongoTestServer.FreshDatabaseName();
        using var client = MongoTestServer.CreateClient(connectionString);
        // Someone's simulated days may be there already: kept.
        var simulatedBefore = (await (await client.ListDatabaseNamesAsync(Ct)).ToListAsync(Ct)).Contains(CommonOptions.SimulatedMongoDatabase);
        try
        {
            // The services' database, named as they are given it.
            var environment = new Dictionary<string, string> { ["Storage__MongoDatabase"] = database };
            var (exit, output) = await _cli.InvokeAsync(["run", "--once", "--simulate", "--station", "283164601",
                "--from", "2023-12-01", "--to", "2023-12-02", "--mongo", connectionString], environment);

            Assert.True(exit == 0, output);
            Assert.Contains($", database {CommonOptions.SimulatedMongoDatabase}\n", output);
            Assert.Empty(await (await client.GetDatabase(database).ListCollectionNamesAsync(cancellationToken: Ct)).ToListAsync(Ct));
            Assert.Equal(2, await client.GetDatabase(CommonOptions.SimulatedMongoDatabase).GetCollection<MongoDB.Bson.BsonDocument>(MongoSchema.DailyAverages)
                .CountDocumentsAsync(MongoCommands.DailyRange("283164601", new DateOnly(2023, 12, 1), new DateOnly(2023, 12, 2)), cancellationToken: Ct));
        }
        finally
        {
            await client.DropDatabaseAsync(database, CancellationToken.None);
            if (!simulatedBefore)
                await client.DropDatabaseAsync(CommonOptions.SimulatedMongoDatabase, CancellationToken.None);
        }
    }

    [Fact]
    public async Task An_unreachable_MongoDB_is_one_line_with_the_reason_without_waiting_for_the_drivers_time_limit()
    {
        // The driver's server selection at its default: it would wait 30 s for a server to come up.
        var (exit, output) = await _cli.InvokeAsync(["export", "--station", "283164601", "--mongo", "mongodb://127.0.0.1:9/"])
            .WaitAsync(TimeSpan.FromSeconds(20), Ct);

        Assert.Equal(1, exit);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("error: MongoDB at 127.0.0.1:9 could not be reached (the last connection to 127.0.0.1:9 failed: Connection refused): " +
            "check that it is up, that ConnectionStrings:MongoDb names it, and that a majority of its replica set is reachable.", line);
    }

    [Fact]
    public async Task A_setting_refused_at_start_is_said_once_with_exit_code_2()
    {
        var (exit, output) = await _cli.InvokeAsync(["run", "--once", "--simulate", "--station", "283164601", "--from", "2023-11-01", "--to", "2023-11-01"],
            new Dictionary<string, string> { ["AirQino__RetryAttempts"] = "99" });

        Assert.Equal(2, exit);
        var errors = output.Split('\n').Where(l => l.StartsWith("error: ", StringComparison.Ordinal)).ToList();
        Assert.Single(errors);
        Assert.Equal("error: AirQino:RetryAttempts must be between 0 and 20.", errors[0]);
        Assert.DoesNotContain("Hosting failed to start", output);
    }

    [Fact]
    public async Task Run_fetches_years_of_a_station_in_one_answer_larger_than_the_services_limit()
    {
        // Nine years of one station: one answer of 12.4 MB, above the services' 8 MiB.
        var (exit, output) = await _cli.InvokeAsync(["run", "--once", "--simulate", "--station", "283164601",
            "--from", "2015-01-01", "--to", "2023-12-31", "--db", "years.db"]);

        Assert.True(exit == 0, output);
        Assert.Contains("2015-01-01", output);
    }

    [Fact]
    public void A_logged_exception_s_reason_is_on_its_line_unless_the_message_says_it_already()
    {
        var failure = new InvalidOperationException("The store could not be read", new IOException("disk I/O error"));
        var output = new StringWriter();
        var stderr = Console.Error;
        Console.SetError(output);
        try
        {
            using var host = CliHost.CreateBuilder(new Dictionary<string, string?>(), new Dictionary<string, string?>()).Build();
            var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Test");
            // ASP.NET Core's words for a request that failed, which say nothing of why.
            logger.LogError(failure, "An unhandled exception has occurred while executing the request.");
            logger.LogError(failure, "Pruning the raw archive failed: {Reason}", failure.Message);
            logger.LogWarning("No exception here");
        }
        finally
        {
            Console.SetError(stderr);
        }

        var lines = output.ToString().Replace("\r", "").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.EndsWith("ERR] An unhandled exception has occurred while executing the request. Cause: The store could not be read (disk I/O error)",
            lines[0]);
        Assert.EndsWith("ERR] Pruning the raw archive failed: The store could not be read Cause: disk I/O error", lines[1]);
        Assert.EndsWith("WRN] No exception here", lines[2]);
    }

    [Fact]
    public async Task A_dashboard_on_a_port_already_taken_says_so_in_one_line()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        await new SqlitePipelineStore($"Data Source={_cli.PathOf("store.db")};Pooling=False").InitializeAsync(TestContext.Current.CancellationToken);

        var (exit, output) = await _cli.InvokeAsync(["dashboard", "--db", "store.db", "--port", port.ToString()]);

        Assert.Equal(1, exit);
        Assert.Equal($"Port {port} is already in use on localhost: choose another with --port N.\n", output);
    }

    [Fact]
    public async Task The_local_dashboard_answers_requests_naming_this_machine_and_refuses_those_naming_another_site()
    {
        int port;
        using (var free = new TcpListener(IPAddress.Loopback, 0))
        {
            free.Start();
            port = ((IPEndPoint)free.LocalEndpoint).Port;
        }
        await new SqlitePipelineStore($"Data Source={_cli.PathOf("store.db")};Pooling=False").InitializeAsync(TestContext.Current.CancellationToken);
        using var stop = new CancellationTokenSource();
        var dashboard = _cli.InvokeUntilAsync(["dashboard", "--db", "store.db", "--port", port.ToString(CultureInfo.InvariantCulture)], null, stop.Token);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        async Task<HttpStatusCode> AnswerAsync(string host)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/stations");
            request.Headers.Host = host;
            using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
            return response.StatusCode;
        }

        for (var waited = 0; ; waited++)
        {
            try
            {
                Assert.Equal(HttpStatusCode.OK, await AnswerAsync($"localhost:{port}"));
                break;
            }
            catch (HttpRequestException) when (waited < 300 && !dashboard.IsCompleted)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }
        }
        Assert.Equal(HttpStatusCode.OK, await AnswerAsync($"127.0.0.1:{port}"));
        Assert.Equal(HttpStatusCode.OK, await AnswerAsync($"[::1]:{port}"));
        // A page of evil.example whose name was made to lead to 127.0.0.1 (DNS rebinding).
        Assert.Equal(HttpStatusCode.BadRequest, await AnswerAsync($"evil.example:{port}"));
        Assert.Equal(HttpStatusCode.BadRequest, await AnswerAsync("localhost.evil.example"));

        await stop.CancelAsync();
        var (exit, output) = await dashboard;
        Assert.True(exit == 0, output);
    }

    [Fact]
    public async Task Status_names_the_days_fetched_before_they_ended_and_never_since_with_the_backfill_that_fetches_them()
    {
        // The services stopped in the afternoon of two days, and nothing fetched those days again.
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var store = new SqlitePipelineStore($"Data Source={_cli.PathOf("harmattan.db")}");
        await store.InitializeAsync(Ct);
        DateOnly[] unfinished = [today.AddDays(-6), today.AddDays(-4)];
        await store.UpsertAveragesAsync([.. unfinished.Select(day =>
            CliStoreSeed.Day("283164601", day, 15, new DateTimeOffset(day.ToDateTime(new TimeOnly(15, 5)), TimeSpan.Zero), complete: false))], Ct);
        store.Dispose();
        SqliteConnection.ClearAllPools();

        var (exit, output) = await _cli.InvokeAsync(["status", "--station", "283164601", "--from", $"{today.AddDays(-7):yyyy-MM-dd}",
            "--to", $"{today.AddDays(-1):yyyy-MM-dd}", "--db", "harmattan.db", "--rabbitmq", "amqp://guest:guest@127.0.0.1:1/"]);

        Assert.True(exit == 0, output);
        // Not "still running": the hourly schedule fetches a day again within the hour after it ended.
        Assert.Contains(" 0 complete, 2 incomplete, 5 missing (of 7)", output);
        Assert.Contains($"unfinished         2 days are stored from a fetch made before they ended ({unfinished[0]:yyyy-MM-dd}, {unfinished[1]:yyyy-MM-dd}), " +
            "and no later fetch replaced them, so they may lack the later hours: fetch them with " +
            $"`harmattan backfill --station 283164601 --from {unfinished[0]:yyyy-MM-dd} --to {unfinished[1]:yyyy-MM-dd}`.", output);
    }

    [Fact]
    public async Task Status_after_a_change_of_zone_says_which_days_are_still_cut_in_the_old_one()
    {
        var (exit, output) = await _cli.InvokeAsync(["run", "--once", "--simulate", "--station", "283164601",
            "--from", "2023-11-01", "--to", "2023-11-03", "--db", "zones.db"]);
        Assert.True(exit == 0, output);
        string[] status = ["status", "--station", "283164601", "--from", "2023-11-01", "--to", "2023-11-04", "--db", "zones.db",
            "--rabbitmq", "amqp://guest:guest@127.0.0.1:1/"];

        (exit, output) = await _cli.InvokeAsync(status);
        Assert.True(exit == 0, output);
        Assert.DoesNotContain("other zone", output);

        (exit, output) = await _cli.InvokeAsync(status,
            new Dictionary<string, string> { ["Stations__0__Id"] = "283164601", ["Stations__0__TimeZone"] = "Asia/Tokyo" });

        Assert.True(exit == 0, output);
        Assert.Contains("Station 283164601 (Asia/Tokyo; 2023-11-01..2023-11-04)", output);
        Assert.Contains("other zone         3 days cut in UTC, not Asia/Tokyo: their dates are that zone's until they are fetched again in Asia/Tokyo. " +
            "The services last fetched the station in UTC: if that is its zone, give this command their station configuration; if Asia/Tokyo is, " +
            "once they run with it, `harmattan backfill --station 283164601 --from 2023-11-01 --to 2023-11-03` fetches them again.", output);

        // Once the station is fetched in Asia/Tokyo (a later day here), the backfill is all it takes.
        var inTokyo = new Dictionary<string, string> { ["Stations__0__Id"] = "283164601", ["Stations__0__TimeZone"] = "Asia/Tokyo" };
        (exit, output) = await _cli.InvokeAsync(["run", "--once", "--simulate", "--station", "283164601",
            "--from", "2023-11-10", "--to", "2023-11-10", "--db", "zones.db"], inTokyo);
        Assert.True(exit == 0, output);
        (exit, output) = await _cli.InvokeAsync(status, inTokyo);
        Assert.True(exit == 0, output);
        Assert.Contains("their dates are that zone's until they are fetched again in Asia/Tokyo. `harmattan backfill --station 283164601 " +
            "--from 2023-11-01 --to 2023-11-03` fetches them again (days AirQino no longer serves keep their averages as they are).", output);
        Assert.DoesNotContain("zone seams", output);

        // The next day, fetched in Asia/Tokyo, begins nine hours before the last day cut in UTC ends.
        (exit, output) = await _cli.InvokeAsync(["run", "--once", "--simulate", "--station", "283164601",
            "--from", "2023-11-04", "--to", "2023-11-04", "--db", "zones.db"], inTokyo);
        Assert.True(exit == 0, output);
        (exit, output) = await _cli.InvokeAsync(status, inTokyo);
        Assert.True(exit == 0, output);
        Assert.Contains("zone seams         where days cut in two zones meet, 2023-11-03 (UTC) and 2023-11-04 (Asia/Tokyo) overlap by 9 hours: " +
            "until both days of a seam are cut in one zone, the hours they overlap by can count in both days' averages.", output);
    }

    [Fact]
    public async Task A_run_that_cuts_a_stations_days_in_another_time_zone_than_before_warns()
    {
        string[] run = ["run", "--once", "--simulate", "--station", "283164601", "--from", "2023-11-01", "--to", "2023-11-01", "--db", "zones.db"];
        var (exit, output) = await _cli.InvokeAsync(run);
        Assert.True(exit == 0, output);
        Assert.DoesNotContain("Warning:", output);

        (exit, output) = await _cli.InvokeAsync(run,
            new Dictionary<string, string> { ["Stations__0__Id"] = "283164601", ["Stations__0__TimeZone"] = "Asia/Tokyo" });

        Assert.True(exit == 0, output);
        Assert.Contains("Warning: station 283164601 was last fetched with its days cut in UTC; this command cuts them in Asia/Tokyo", output);

        // Fetched in the new zone since, the change is taken as meant.
        (exit, output) = await _cli.InvokeAsync(run,
            new Dictionary<string, string> { ["Stations__0__Id"] = "283164601", ["Stations__0__TimeZone"] = "Asia/Tokyo" });
        Assert.True(exit == 0, output);
        Assert.DoesNotContain("Warning:", output);
    }

    private async Task SeedAsync(string station, DateOnly first, int days, Func<int, int> hours)
    {
        var store = new SqlitePipelineStore($"Data Source={_cli.PathOf("harmattan.db")}");
        await store.InitializeAsync(Ct);
        var fetchedAt = new DateTimeOffset(first.AddDays(days).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddHours(1);
        await store.UpsertAveragesAsync([.. Enumerable.Range(0, days).Select(i => Day(station, first.AddDays(i), hours(i + 1), fetchedAt))], Ct);
        SqliteConnection.ClearAllPools();
    }
}
