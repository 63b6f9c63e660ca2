using System.Text.Json;
using Harmattan.Cli.Commands;
using Harmattan.Storage.Sqlite;
using Harmattan.Tests.Deploy;
using Microsoft.Data.Sqlite;

namespace Harmattan.Tests.Cli;

/// <summary>
/// Every bad invocation a new user was seen to type: one error line naming the value and the fix, exit code 2 (1 for a
/// broker that cannot be reached), no stack trace, and the folder (with its store) exactly as it was.
/// </summary>
[Collection(typeof(CliCollection))]
public sealed class BadInvocationTests : IDisposable
{
    private const string Range = "--from 2023-11-01 --to 2023-11-02";
    private static readonly string Today = UtcToday();

    /// <summary>Stands for the UTC date when the command ran, in an expected fragment.</summary>
    private const string TodayWhenRun = "{today}";
    private static readonly string[] Commands = ["run --once", $"backfill {Range}", $"replay {Range}", "status", "export"];

    private readonly CliRun _cli = new();

    public BadInvocationTests()
    {
        // An existing store in the user's folder, which no bad invocation may change.
        new SqlitePipelineStore($"Data Source={_cli.PathOf("harmattan.db")}").InitializeAsync().GetAwaiter().GetResult();
        SqliteConnection.ClearAllPools();
    }

    public void Dispose() => _cli.Dispose();

    public static TheoryData<string, int, string[]> Invocations()
    {
        var rows = new TheoryData<string, int, string[]>
        {
            // Impossible and misformatted dates, in every command that takes them.
            { "run --once --from 2023-02-30 --to 2023-03-01", 2, ["--from: '2023-02-30' is not a date; use YYYY-MM-DD"] },
            { "run --once --from 30/11/2023 --to 2023-12-01", 2, ["--from: '30/11/2023' is not a date; use YYYY-MM-DD"] },
            { "backfill --from 30/11/2023 --to 2023-12-01", 2, ["--from: '30/11/2023' is not a date; use YYYY-MM-DD"] },
            { "backfill --from 2023-11-01 --to 2023-02-30", 2, ["--to: '2023-02-30' is not a date; use YYYY-MM-DD"] },
            { "replay --from 2023-11-01 --to 1/12/2023", 2, ["--to: '1/12/2023' is not a date; use YYYY-MM-DD"] },
            { "status --from 2023-11-01 --to 2023-11-31", 2, ["--to: '2023-11-31' is not a date; use YYYY-MM-DD"] },
            { "export --station 283164601 --from 30/11/2023", 2, ["--from: '30/11/2023' is not a date; use YYYY-MM-DD"] },
            // Quantity names as the averages spell them, or none could ever fill the columns.
            { "export --station 283164601 --quantity pm25", 2, ["--quantity pm25: the averages call it pm2_5; use --quantity pm2_5."] },
            { "export --station 283164601 --quantity CO", 2, ["--quantity CO: the averages call it co; use --quantity co."] },
            { "export --station 283164601 --quantity wind-speed", 2, ["--quantity 'wind-speed' names no quantity", "as in relative_humidity"] },
            // Reversed and half ranges.
            { "run --once --from 2023-12-01 --to 2023-11-01", 2, ["--from 2023-12-01 is after --to 2023-11-01", "both included"] },
            { "backfill --from 2023-12-01 --to 2023-11-01", 2, ["--from 2023-12-01 is after --to 2023-11-01", "both included"] },
            { "replay --from 2023-12-01 --to 2023-11-01", 2, ["--from 2023-12-01 is after --to 2023-11-01", "both included"] },
            { "status --from 2023-12-01 --to 2023-11-01", 2, ["--from 2023-12-01 is after --to 2023-11-01", "both included"] },
            { "export --station 283164601 --from 2023-12-01 --to 2023-11-01", 2, ["--from 2023-12-01 is after --to 2023-11-01", "both included"] },
            { "run --once --from 2023-11-01", 2, ["--from and --to go together", "--from 2023-01-01 --to 2023-01-31"] },
            // Days after today in the station's time zone (the default stations are in UTC).
            { $"run --once --from {Today} --to 2099-01-01", 2, ["--to 2099-01-01 is in the future", $"the last allowed date is {TodayWhenRun}"] },
            { $"backfill --from {Today} --to 2099-01-01", 2, ["--to 2099-01-01 is in the future", $"the last allowed date is {TodayWhenRun}"] },
            { $"replay --from {Today} --to 2099-01-01", 2, ["--to 2099-01-01 is in the future", $"the last allowed date is {TodayWhenRun}"] },
            { $"status --from {Today} --to 2099-01-01", 2, ["--to 2099-01-01 is in the future", $"the last allowed date is {TodayWhenRun}"] },
            // Days before the calendar's first year plus one: their windows' offsets would leave the calendar.
            { "run --once --from 0001-01-01 --to 0001-01-02", 2, ["--from 0001-01-01 is too early", "the first allowed date is 0002-01-01"] },
            { "backfill --from 0001-06-01 --to 0001-06-30", 2, ["--from 0001-06-01 is too early", "the first allowed date is 0002-01-01"] },
            { "replay --from 0001-12-31 --to 0001-12-31", 2, ["--from 0001-12-31 is too early", "the first allowed date is 0002-01-01"] },
            // Durations, in the one syntax.
            { "run --once --timeout 5x", 2, ["--timeout: '5x' is not a duration", "90s, 10m, 3h, 1d12h"] },
            { $"backfill {Range} --idle-timeout 0s", 2, ["--idle-timeout: '0s' is not a duration longer than zero", "90s, 10m, 3h, 1d12h"] },
            { $"replay {Range} --idle-timeout 10", 2, ["--idle-timeout: '10' has no unit; add one, e.g. 10s, 10m or 10h", "90s, 10m, 3h, 1d12h"] },
            { $"backfill {Range} --idle-timeout 100000d", 2, ["--idle-timeout: '100000d' has more digits than a duration takes: at most 9999d"] },
            { "status --max-age 3hours", 2, ["--max-age: '3hours' is not a duration", "90s, 10m, 3h, 1d12h"] },
            // Other values.
            { $"backfill {Range} --chunk-days 9", 2, ["--chunk-days: 9 is out of range; use 1 to 7"] },
            { "run --once --airqino-url ftp://example.org", 2, ["--airqino-url: 'ftp://example.org' is not an absolute http(s) URL"] },
            { "run --once --airqino-url http://127.0.0.1:5080/v3", 2, ["--airqino-url: 'http://127.0.0.1:5080/v3' ends in the API version, which harmattan adds itself (/v3/getStationHourlyAvg/ID): use http://127.0.0.1:5080"] },
            { $"backfill {Range} --rabbitmq amqp//localhost", 2, ["--rabbitmq is not an AMQP URI", "amqp://user:password@host:5672/vhost"] },
            { "redrive --queue store-averages", 2, ["'store-averages' is not an error queue", "ending in _error"] },
            { "redrive --queue store-averages_error --max 0", 2, ["--max: 0 is out of range", "use 1 or more"] },
            // Whole numbers: text where a number belongs is one line too, not the parser's exception.
            { $"backfill {Range} --chunk-days abc", 2, ["--chunk-days: 'abc' is not a whole number; use 1 to 7"] },
            { "redrive --queue store-averages_error --max abc", 2, ["--max: 'abc' is not a whole number; use 1 or more"] },
            { "redrive --queue store-averages_error --max 1.5", 2, ["--max: '1.5' is not a whole number; use 1 or more"] },
            { "dashboard --port abc", 2, ["--port: 'abc' is not a whole number", "use a TCP port from 1 to 65535"] },
            { "dashboard --port 70000", 2, ["--port: 70000 is out of range", "use a TCP port from 1 to 65535"] },
            { "dashboard --db store.db --mongo mongodb://localhost:27017/", 2, ["--db and --mongo name two different stores"] },
            { "dashboard --mongo mongodb://localhost:27017/?w=0", 2, ["--mongo asks for unacknowledged writes (w=0)"] },
            { "export --station 283164601 --out no-such-folder/x.csv", 2, ["--out: the folder ", "no-such-folder does not exist; create it first"] },
            { "export --station 283164601 --out .", 2, ["--out: ", "is a folder; name the file to write, e.g. --out ./averages.csv"] },
            { "export --station 283164601 --out harmattan.db", 2, ["--out: ", "harmattan.db is a SQLite database (a store), which the CSV would overwrite"] },
            // The log holds writes committed and not yet copied into the store: overwritten, they are lost.
            { "export --station 283164601 --out harmattan.db-wal", 2, ["--out: ", "harmattan.db-wal is the wal file of the SQLite database ", "which the CSV would damage"] },
            { "run --once --simulate --station 283164601 --from 2023-11-01 --to 2023-11-01 --db .", 2, ["is a folder, not a SQLite store: check --db (or ConnectionStrings__Sqlite), e.g. --db "] },
            { "status --mongo mongodb://analyst:s3cret@localhost:27017/?authMechanism=BOGUS", 2, ["--mongo is not a valid MongoDB URI"] },
            { "status --mongo mongodb://localhost:27017/?w=0", 2, ["--mongo asks for unacknowledged writes (w=0)"] },
            // Reading commands never create a store.
            { "export --station 283164601 --db missing.db", 2, ["no store at ", "missing.db", "check --db"] },
            { "status --db missing.db", 2, ["no store at ", "missing.db", "check --db"] },
            { $"replay {Range} --db missing.db", 2, ["no store at ", "missing.db", "check --db"] },
            { $"backfill {Range} --db missing.db", 2, ["no store at ", "missing.db", "check --db"] },
            { "status --db mongodb://localhost:27017/", 2, ["--db takes a SQLite file; for a MongoDB store give its URI with --mongo instead."] },
            { "export --station 283164601 --db .", 2, ["is a folder, not a SQLite store: check --db (or ConnectionStrings__Sqlite), e.g. --db "] },
            { "status --db .", 2, ["is a folder, not a SQLite store: check --db (or ConnectionStrings__Sqlite), e.g. --db "] },
            // Each names an AirQino to fetch from.
            { "run --once --simulate --airqino-url http://127.0.0.1:5080", 2, ["--simulate and --airqino-url name two AirQino servers"] },
            // A broker that cannot be reached: a runtime failure, named without its password.
            { $"backfill {Range} --rabbitmq amqp://guest:wrong-pw@localhost:5672/", 1, ["RabbitMQ at localhost:5672, vhost / could not be reached", "ConnectionStrings__RabbitMq"] },
            // A virtual host that does not exist is refused only when a channel opens: at once, not after the bus's minute.
            { $"backfill {Range} --rabbitmq amqp://guest:guest@localhost:5672/no-such-vhost", 1,
                ["vhost no-such-vhost could not be reached (refused: NOT_ALLOWED - vhost no-such-vhost not found)", "virtual host"] },
            { $"backfill {Range} --rabbitmq amqp://guest:s3cret@127.0.0.1:1/ops", 1, ["RabbitMQ at 127.0.0.1:1, vhost ops could not be reached", "ConnectionStrings__RabbitMq"] },
            { $"replay {Range} --rabbitmq amqp://guest:s3cret@127.0.0.1:1/ops", 1, ["RabbitMQ at 127.0.0.1:1, vhost ops could not be reached", "ConnectionStrings__RabbitMq"] },
            { "trigger --rabbitmq amqp://guest:s3cret@127.0.0.1:1/ops", 1, ["RabbitMQ at 127.0.0.1:1, vhost ops could not be reached", "ConnectionStrings__RabbitMq"] },
            { "redrive --queue store-averages_error --rabbitmq amqp://guest:s3cret@127.0.0.1:1/ops", 1, ["RabbitMQ at 127.0.0.1:1, vhost ops could not be reached", "ConnectionStrings__RabbitMq"] },
        };

        // Station ids that break the extractor's rule: the hostile corpus's, an empty-looking one and one too long.
        var hostile = HostileStationIds().Append(new string('7', 65)).Append("99999999999999999999999");
        foreach (var id in hostile)
            foreach (var command in Commands)
                rows.Add($"{command} --station {id}", 2, [$"--station: '{id}' is not a valid station id", "letter, a digit"]);
        return rows;
    }

    [Theory]
    [MemberData(nameof(Invocations))]
    public async Task A_bad_invocation_gets_one_error_line_naming_the_value_and_the_fix_and_changes_nothing(
        string arguments, int exitCode, string[] expected)
    {
        var before = _cli.Snapshot();
        var dayBefore = UtcToday();

        var (exit, output) = await _cli.InvokeAsync(arguments.Split(' '));
        var dayAfter = UtcToday();

        Assert.True(exit == exitCode, $"exit {exit}, expected {exitCode}:\n{output}");
        var errors = output.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        var error = Assert.Single(errors);
        foreach (var fragment in expected)
            // Run across midnight UTC, the command may have read either day.
            Assert.True(error.Contains(fragment.Replace(TodayWhenRun, dayBefore), StringComparison.Ordinal)
                || error.Contains(fragment.Replace(TodayWhenRun, dayAfter), StringComparison.Ordinal), $"'{fragment}' is not in: {error}");
        Assert.DoesNotContain("Unhandled exception", output);
        Assert.DoesNotContain(output.Split('\n'), l => l.StartsWith("   at ", StringComparison.Ordinal));
        Assert.DoesNotContain("Usage:", output);
        Assert.DoesNotContain("wrong-pw", output);
        Assert.DoesNotContain("s3cret", output);
        if (exitCode == 2)
            Assert.Contains($"see 'harmattan {arguments.Split(' ')[0]} --help'", output);
        Assert.Equal(before, _cli.Snapshot());
    }

    [Theory]
    [InlineData("status", "--db", "--db harmattan.db")]
    [InlineData("export --station 283164601", "--out", "--out averages.csv")]
    [InlineData("backup", "--out", "--out harmattan-backup.db")]
    [InlineData("restore", "--backup", "--backup harmattan-backup.db")]
    public async Task An_empty_path_an_unset_variable_gives_is_named_with_its_option(string command, string option, string example)
    {
        var before = _cli.Snapshot();

        var (exit, output) = await _cli.InvokeAsync([.. command.Split(' '), option, ""]);

        Assert.True(exit == 2, output);
        Assert.Contains($"error: {option}: the path is empty (an unset variable?); name a file, e.g. {example}.", output);
        Assert.DoesNotContain("System.IO.FileInfo", output);
        Assert.Equal(before, _cli.Snapshot());
    }

    [Fact]
    public async Task A_reading_command_given_an_empty_file_says_it_holds_no_store_and_leaves_it_empty()
    {
        await File.WriteAllBytesAsync(_cli.PathOf("empty.db"), [], TestContext.Current.CancellationToken);
        var before = _cli.Snapshot();

        foreach (var command in new[] { "status", "export --station 283164601", "archive stats", "backup --out copy.db", $"backfill {Range}" })
        {
            var (exit, output) = await _cli.InvokeAsync([.. command.Split(' '), "--db", "empty.db"]);

            Assert.True(exit == 2, $"{command}: exit {exit}\n{output}");
            Assert.Contains($"error: no store at {_cli.PathOf("empty.db")}: the file is empty (0 bytes); check --db", output);
            Assert.Equal(before, _cli.Snapshot());
        }
    }

    [Fact]
    public async Task A_reading_command_given_a_database_without_a_table_says_it_holds_no_store_and_leaves_it_as_it_is()
    {
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_cli.PathOf("blank.db")};Pooling=False"))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 1";
            await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }
        var before = _cli.Snapshot();

        foreach (var command in new[] { "status", "export --station 283164601", "archive stats", "backup --out copy.db" })
        {
            var (exit, output) = await _cli.InvokeAsync([.. command.Split(' '), "--db", "blank.db"]);

            Assert.True(exit == 2, $"{command}: exit {exit}\n{output}");
            Assert.Contains($"error: no store at {_cli.PathOf("blank.db")}: check ConnectionStrings__Sqlite; the loader creates the store " +
                "when it starts (a command reads the file --db names).", output);
            Assert.Equal(before, _cli.Snapshot());
        }
    }

    [Fact]
    public async Task A_missing_required_option_names_it_without_the_help()
    {
        var (exit, output) = await _cli.InvokeAsync(["backfill", "--from", "2023-11-01"]);

        Assert.Equal(2, exit);
        Assert.Equal(["error: Option '--to' is required.", "see 'harmattan backfill --help'", ""], output.Split('\n'));
    }

    [Theory]
    [InlineData("backfill", "--from", "2023-11-01", "--to", "2023-11-02")]
    [InlineData("trigger")]
    [InlineData("replay", "--from", "2023-11-01", "--to", "2023-11-02")]
    public async Task The_in_memory_bus_is_refused_by_a_command_that_sends_to_the_services(params string[] command)
    {
        var before = _cli.Snapshot();

        var (exit, output) = await _cli.InvokeAsync(command, new Dictionary<string, string> { ["Bus__Transport"] = "InMemory" });

        Assert.Equal(2, exit);
        Assert.StartsWith("error: Bus:Transport 'InMemory' joins only services that run in one process (harmattan run)",
            Assert.Single(output.Split('\n'), l => l.StartsWith("error:", StringComparison.Ordinal)));
        Assert.Equal(before, _cli.Snapshot());
    }

    [Theory]
    [InlineData("amqp://guest:s3cret@localhost:notaport/")]
    // A generated password's / (openssl rand -base64) pasted into the URI as it is.
    [InlineData("amqp://guest:s3cret/Zq+w==@localhost:5672/")]
    [InlineData("amqp://guest:s3cret:x@localhost:5672/")]
    public async Task A_malformed_broker_url_in_the_environment_is_one_line_naming_the_variable(string uri)
    {
        var before = _cli.Snapshot();

        var (exit, output) = await _cli.InvokeAsync(["backfill", "--from", "2023-11-01", "--to", "2023-11-02"],
            new Dictionary<string, string> { ["ConnectionStrings__RabbitMq"] = uri });

        Assert.Equal(2, exit);
        Assert.Contains("error: ConnectionStrings:RabbitMq must be an AMQP URI", output);
        Assert.Contains("ConnectionStrings__RabbitMq", output);
        Assert.Contains("is written %3A %2F", output);
        Assert.DoesNotContain("s3cret", output);
        Assert.Equal(before, _cli.Snapshot());
    }

    [Theory]
    [InlineData("Storage__Provider", "Mongo", "error: Storage:Provider 'Mongo' is not a store: use Sqlite or MongoDb (environment variable Storage__Provider).")]
    [InlineData("Stations__0__TimeZone", "Africa/Abidjan", "error: Stations:0:Id is missing: every configured station needs its Id")]
    [InlineData("Stations__0__TimeZon", "Europe/Rome", "error: Stations:0:TimeZon is not a setting (environment variable Stations__0__TimeZon): did you mean Stations:0:TimeZone?")]
    [InlineData("ConnectionStrings__Mongo", "mongodb://mongo.example:27017/", "error: ConnectionStrings:Mongo is not a setting (environment variable ConnectionStrings__Mongo): did you mean ConnectionStrings:MongoDb?")]
    [InlineData("Stations__Id", "283164601", "error: Stations:Id is not a setting: the stations are a list, Stations:0:Id, Stations:0:TimeZone")]
    [InlineData("Stations", "283164601,283181971", "error: Stations '283164601,283181971' is not a setting (environment variable Stations): the stations are a list, Stations:0:Id, Stations:0:TimeZone")]
    [InlineData("ConnectionStrings__RabbitMq", "rabbitmq:5672",
        "error: ConnectionStrings:RabbitMq must be an AMQP URI such as amqp://user:password@host:5672/vhost (environment variable ConnectionStrings__RabbitMq)")]
    [InlineData("Station__0__Id", "SMART188", "error: Station:0 is not a setting (environment variable Station__0): did you mean Stations:0?")]
    [InlineData("Serilog__MinimumLevel__Default", "Debg",
        "error: Serilog:MinimumLevel:Default 'Debg' is not a log level (environment variable Serilog__MinimumLevel__Default): use one of Verbose, Debug, Information, Warning, Error, Fatal.")]
    [InlineData("Serilog__MinimumLevel__Override__Polly", "Info", "error: Serilog:MinimumLevel:Override:Polly 'Info' is not a log level")]
    [InlineData("ConnectionStrings__Sqlite", "Data Source=harmattan.db;Default Timeout=abc",
        "error: ConnectionStrings:Sqlite must be a SQLite connection string such as \"Data Source=harmattan.db\" (environment variable ConnectionStrings__Sqlite).")]
    [InlineData("ConnectionStrings__RabbitMq", "notauri",
        "error: ConnectionStrings:RabbitMq must be an AMQP URI such as amqp://user:password@host:5672/vhost (environment variable ConnectionStrings__RabbitMq); a : / ? # @ or % in the user or the password is written %3A %2F %3F %23 %40 %25.")]
    public async Task A_bad_setting_in_the_environment_is_one_line_naming_the_key_and_the_fix(string variable, string value, string expected)
    {
        var before = _cli.Snapshot();

        var (exit, output) = await _cli.InvokeAsync(["status"], new Dictionary<string, string> { [variable] = value });

        Assert.Equal(2, exit);
        Assert.Contains(expected, output);
        Assert.Single(output.Split('\n'), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Equal(before, _cli.Snapshot());
    }

    [Theory]
    [InlineData("AirQino__RetryAttempts", "abc", "error: AirQino:RetryAttempts 'abc' is not a whole number (environment variable AirQino__RetryAttempts).")]
    [InlineData("Quality__CompleteThreshold", "0,75", "error: Quality:CompleteThreshold '0,75' is not a number (with a dot for decimals, e.g. 0.75) (environment variable Quality__CompleteThreshold).")]
    [InlineData("Quality__CompleteThreshold", "5", "error: Quality:CompleteThreshold must be between 0 and 1 (0.75 = 18 of 24 hours).")]
    [InlineData("AirQino__Timeout", "xyz", "error: AirQino:Timeout 'xyz' is not a duration as hh:mm:ss (e.g. 00:00:30) (environment variable AirQino__Timeout).")]
    [InlineData("Storage__Provider", "Postgres", "error: Storage:Provider 'Postgres' is not a store: use Sqlite or MongoDb (environment variable Storage__Provider).")]
    [InlineData("Bus__Transport", "Kafka", "error: Bus:Transport 'Kafka' is not one of RabbitMq, InMemory (environment variable Bus__Transport).")]
    [InlineData("AirQino__Retries", "2", "error: AirQino:Retries is not a setting (environment variable AirQino__Retries): the AirQino settings are BaseUrl, ClientId, ClientSecret, MaxResponseBytes, Password, RetryAttempts, RetryDelay, Timeout, TokenUrl, TotalTimeout, Username.")]
    public async Task A_setting_the_run_cannot_read_is_one_line_naming_the_key_and_what_it_takes(
        string variable, string value, string expected)
    {
        var before = _cli.Snapshot();

        var (exit, output) = await _cli.InvokeAsync(
            ["run", "--once", "--simulate", "--station", "283164601", "--from", "2023-11-01", "--to", "2023-11-01"],
            new Dictionary<string, string> { [variable] = value });

        Assert.Equal(2, exit);
        Assert.Equal(expected, Assert.Single(output.Split('\n'), l => l.StartsWith("error:", StringComparison.Ordinal)));
        Assert.DoesNotContain("Failed to convert", output);
        Assert.DoesNotContain("SIMULATED DATA", output);
        Assert.Equal(before, _cli.Snapshot());
    }

    [Fact]
    public void An_out_folder_this_user_may_not_write_is_named_with_how_to_make_it_writable_under_docker_compose()
    {
        // The cli service's /exports is a host folder the engine creates owned by root; the test runs as root, which no
        // folder refuses, so it hands over the exception the runtime throws for a denied create.
        var file = new FileInfo(_cli.PathOf("283164601-2023-11.csv"));

        var error = ExportCommand.CannotWrite(file, new UnauthorizedAccessException($"Access to the path '{file.FullName}.partial' is denied."), creating: true);

        Assert.Equal(2, error.ExitCode);
        Assert.Contains($"--out: this user may not create files in {file.DirectoryName}", error.Message);
        Assert.Contains("HARMATTAN_EXPORTS_DIR (default ./exports): mkdir -p exports && chmod a+w exports", error.Message);
        Assert.DoesNotContain("choose another file", error.Message);
    }

    [Fact]
    public void An_out_file_this_user_may_not_overwrite_is_named_as_such()
    {
        var file = new FileInfo(_cli.PathOf("written-by-someone-else.csv"));
        File.WriteAllText(file.FullName, "station_id\n");

        var error = ExportCommand.CannotWrite(file, new UnauthorizedAccessException($"Access to the path '{file.FullName}' is denied."), creating: false);

        Assert.Equal($"--out: {file.FullName} exists and this user may not overwrite it; remove it or choose another file.", error.Message);
    }

    private static IEnumerable<string> HostileStationIds()
    {
        var manifest = Repository.PathOf("tests/Harmattan.Tests/HostileInput/manifest.json");
        using var json = JsonDocument.Parse(File.ReadAllText(manifest));
        return json.RootElement.GetProperty("cases").EnumerateArray()
            .Where(c => c.TryGetProperty("stationId", out _))
            .Select(c => c.GetProperty("stationId").GetString()!)
            .ToList();
    }

    private static string UtcToday() => DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
