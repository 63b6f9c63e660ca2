using System.Globalization;
using Harmattan.AirQinoSimulator;
using Harmattan.IntegrationTests.Support;
using Harmattan.Storage.MongoDb;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Harmattan.IntegrationTests.MongoDb;

/// <summary>
/// The production store path end to end: the three services as separate processes on a real RabbitMQ with
/// <c>Storage__Provider=MongoDb</c>, the simulator serving the recorded SMART188 year, and the CLI reading MongoDB with
/// <c>--mongo</c>. Runs against the server named by <c>HARMATTAN_MONGO_E2E</c>, else <c>ConnectionStrings__MongoDb</c>
/// (tests/run.sh starts the MongoDB wire stand-in when no real MongoDB is configured, and the output says which one
/// answered), in a database of its own.
/// </summary>
public sealed class MongoPipelineTests : IAsyncLifetime
{
    private const string Station = "283164601";
    private const string From = "2022-12-10";
    private const string To = "2023-12-10";
    private readonly string _workDir = Directory.CreateTempSubdirectory("harmattan-it-mongo-").FullName;
    private readonly string _databaseName = $"harmattan_it_{Guid.NewGuid():N}";
    private PipelineServices? _services;
    private string _mongo = null!;
    private RabbitMqVirtualHost? _vhost;
    private AirQinoSimulatorHost? _simulator;

    public async ValueTask InitializeAsync()
    {
        // tests/run.sh gives this test a stand-in of its own, which its bulk writes may hold for tens of seconds.
        _mongo = Environment.GetEnvironmentVariable("HARMATTAN_MONGO_E2E") is { Length: > 0 } own
            ? own
            : Environment.GetEnvironmentVariable("ConnectionStrings__MongoDb")!;
        Assert.SkipWhen(string.IsNullOrWhiteSpace(_mongo),
            "MongoDB end-to-end test skipped: set ConnectionStrings__MongoDb (a replica set, or the wire stand-in that " +
            "tests/run.sh starts from ../shared/mongo-standin).");
        Assert.SkipWhen(AirQinoSamples.Directory is null, AirQinoSamples.MissingReason);
        TestContext.Current.TestOutputHelper?.WriteLine($"MongoDB target: {await MongoTarget.DescribeAsync(_mongo)}");

        _vhost = await RabbitMqVirtualHost.CreateAsync();
        _simulator = await AirQinoSimulatorHost.StartAsync(new SimulatorOptions
        {
            DataDirectory = AirQinoSamples.Directory,
            IgnoreDates = true,
        });
        _services = await PipelineServices.StartAsync(Services(), TimeSpan.FromSeconds(90));
    }

    public async ValueTask DisposeAsync()
    {
        if (_services is not null)
            await _services.DisposeAsync();
        if (_simulator is not null)
            await _simulator.DisposeAsync();
        if (_vhost is not null)
            await _vhost.DisposeAsync();
        if (!string.IsNullOrWhiteSpace(_mongo))
        {
            using var client = new MongoClient(MongoRegistration.ClientSettings(_mongo));
            await client.DropDatabaseAsync(_databaseName, CancellationToken.None);
        }
        Directory.Delete(_workDir, recursive: true);
    }

    [Fact]
    public async Task Mongo_backfill_export_replay_and_status_on_MongoDB_reproduce_the_seed_and_change_nothing_when_repeated()
    {
        var first = await BackfillAndExportAsync("first.csv");

        var exported = ExportedCsv.Read(Path.Combine(_workDir, "first.csv"));
        var seed = SeedDailyMeans.Read(AirQinoSamples.PathOf(AirQinoSamples.SeedDailyStation1File));
        var compared = 0;
        foreach (var row in exported.Rows)
        {
            var date = DateOnly.Parse(exported.Cell(row, "date"), CultureInfo.InvariantCulture);
            Assert.Equal(Station, exported.Cell(row, "station_id"));
            // The seed fetched its first and last (partial) day at another hour than the recording.
            if (date == new DateOnly(2022, 12, 10) || date == new DateOnly(2023, 12, 10) || !seed.TryGetValue(date, out var expected))
                continue;
            Assert.Equal(expected.Co, exported.Number(row, "co_mean")!.Value, 1e-9);
            Assert.Equal(expected.Pm25, exported.Number(row, "pm2_5_mean")!.Value, 1e-9);
            compared++;
        }
        Assert.Equal(347, compared);

        var second = await BackfillAndExportAsync("second.csv");
        Assert.Equal(first, second);

        var (replayExit, replayOutput) = await CliAsync(TimeSpan.FromMinutes(6),
            "replay", "--station", Station, "--from", From, "--to", To, "--mongo", _mongo, "--idle-timeout", "00:02:00");
        Assert.True(replayExit == 0, $"replay exited {replayExit}:\n{replayOutput}\n{ServiceOutput()}");
        Assert.Equal(first, await ExportAsync("replayed.csv"));

        // Data of 2023 are older than --max-age, so status exits 2; the figures it prints come from MongoDB.
        var (statusExit, statusOutput) = await CliAsync(SlowServerReadTimeout,
            "status", "--station", Station, "--max-age", "3h", "--mongo", _mongo);
        Assert.True(statusExit == 2, $"status exited {statusExit}:\n{statusOutput}");
        var (lastHour, lastFetch) = await LastHourAndFetchInMongoAsync();
        Assert.Contains($"last hour stored   {lastHour:yyyy-MM-dd HH:mm} UTC", statusOutput);
        Assert.Contains($"last fetch         {lastFetch:yyyy-MM-dd HH:mm} UTC", statusOutput);
    }

    private async Task<string> BackfillAndExportAsync(string csvName)
    {
        var (exit, output) = await CliAsync(TimeSpan.FromMinutes(8),
            "backfill", "--station", Station, "--from", From, "--to", To, "--mongo", _mongo, "--idle-timeout", "00:02:00");
        Assert.True(exit == 0, $"backfill exited {exit}:\n{output}\n--- services ---\n{ServiceOutput()}");
        Assert.Contains("Days stored: 366 of 366", output);
        return await ExportAsync(csvName);
    }

    private async Task<string> ExportAsync(string csvName)
    {
        var csv = Path.Combine(_workDir, csvName);
        var (exit, output) = await CliAsync(SlowServerReadTimeout, "export", "--station", Station, "--mongo", _mongo, "--out", csv);
        Assert.True(exit == 0, $"export exited {exit}:\n{output}");
        return await File.ReadAllTextAsync(csv);
    }

    private async Task<(int Exit, string Output)> CliAsync(TimeSpan timeout, params string[] arguments)
    {
        // The CLI gets the database name from the environment and the store from --mongo alone.
        await using var cli = ServiceProcess.StartCli(arguments, new Dictionary<string, string>
        {
            ["ConnectionStrings__RabbitMq"] = _vhost!.ConnectionString,
            ["Storage__MongoDatabase"] = _databaseName,
            ["Storage__MongoOperationTimeout"] = SlowServerOperationTimeout,
        });
        var exit = await cli.WaitForExitAsync(timeout);
        return (exit, cli.Output);
    }

    private async Task<(DateTime LastHour, DateTime LastFetch)> LastHourAndFetchInMongoAsync()
    {
        using var client = new MongoClient(MongoRegistration.ClientSettings(_mongo));
        var database = client.GetDatabase(_databaseName);
        var hour = await database.GetCollection<BsonDocument>(MongoSchema.HourlyAverages)
            .Find(MongoCommands.StationFilter(Station)).Sort(MongoCommands.LatestHourFirst).Limit(1).FirstAsync();
        var fetch = await database.GetCollection<BsonDocument>(MongoSchema.RawFetches)
            .Find(MongoCommands.StationFilter(Station)).Sort(MongoCommands.LatestFetchFirst).Limit(1).FirstAsync();
        return (hour[MongoSchema.Hour].ToUniversalTime(), MongoSchema.FromTicks(fetch[MongoSchema.FetchedAtTicks]).UtcDateTime);
    }

    /// <summary>
    /// The wire stand-in answers a year's reads by scanning in one JavaScript thread, which on a busy machine takes
    /// longer than the 30 s default meant to catch a hung server; a real server answers well within it.
    /// </summary>
    private const string SlowServerOperationTimeout = "00:05:00";

    /// <summary>
    /// An export or a status waits its turn behind the other suites' work in the stand-in's one thread: one CI run saw
    /// an export of the year still unanswered after a minute.
    /// </summary>
    private static readonly TimeSpan SlowServerReadTimeout = TimeSpan.FromMinutes(5);

    private string ServiceOutput() => _services!.Output;

    private Dictionary<string, string> Services() => new()
    {
        ["ConnectionStrings__RabbitMq"] = _vhost!.ConnectionString,
        ["Bus__Transport"] = "RabbitMq",
        ["Storage__Provider"] = "MongoDb",
        ["ConnectionStrings__MongoDb"] = _mongo,
        ["Storage__MongoDatabase"] = _databaseName,
        ["Storage__MongoOperationTimeout"] = SlowServerOperationTimeout,
        ["AirQino__BaseUrl"] = _simulator!.BaseUrl.ToString(),
    };
}
