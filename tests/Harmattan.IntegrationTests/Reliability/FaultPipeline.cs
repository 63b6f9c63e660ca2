using Harmattan.AirQinoSimulator;
using Harmattan.Hosting;
using Harmattan.IntegrationTests.Support;
using Harmattan.Testing;

namespace Harmattan.IntegrationTests.Reliability;

/// <summary>
/// One fault scenario's pipeline: its own virtual host on the dedicated node, a fresh SQLite store, the simulator
/// serving three synthetic stations, and the three services as separate processes that a test can kill and restart.
/// </summary>
public sealed class FaultPipeline : IAsyncDisposable
{
    public const int Stations = 3;
    public static readonly DateOnly From = new(2026, 2, 1);
    public static readonly DateOnly To = new(2026, 2, 21);
    public static int StationDays => Stations * (To.DayNumber - From.DayNumber + 1);

    private readonly DedicatedRabbitMqNode _node;
    private readonly Dictionary<string, string> _extraEnvironment;
    private readonly string _workDir = Directory.CreateTempSubdirectory("harmattan-faults-").FullName;

    private FaultPipeline(DedicatedRabbitMqNode node, string virtualHost, AirQinoSimulatorHost simulator, Dictionary<string, string> extra)
    {
        _node = node;
        VirtualHost = virtualHost;
        Simulator = simulator;
        _extraEnvironment = extra;
    }

    private string _sqliteOptions = "";

    public string VirtualHost { get; }
    public AirQinoSimulatorHost Simulator { get; }
    public Dictionary<string, ServiceProcess> Services { get; } = [];
    public string DbPath => Path.Combine(_workDir, "harmattan.db");
    public static IReadOnlyList<string> StationIds { get; } = Enumerable.Range(0, Stations).Select(SyntheticAirQino.StationId).ToArray();

    /// <summary>The same synthetic series in every scenario: fixed seed and fixed end, so fetch ids repeat.</summary>
    public static SimulatorOptions SimulatorOptions() => new()
    {
        SyntheticStations = Stations,
        Days = 40,
        Seed = 7,
        Now = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero),
    };

    /// <param name="sqliteOptions">Appended to the SQLite connection string, e.g. ";Default Timeout=1".</param>
    public static async Task<FaultPipeline> StartAsync(DedicatedRabbitMqNode node, Action<SimulatorFaults>? faults = null,
        Dictionary<string, string>? environment = null, string sqliteOptions = "")
    {
        var vhost = "faults-" + Guid.NewGuid().ToString("N")[..10];
        await node.AddVirtualHostAsync(vhost);
        var simulator = await AirQinoSimulatorHost.StartAsync(SimulatorOptions());
        faults?.Invoke(simulator.Faults);
        var pipeline = new FaultPipeline(node, vhost, simulator, environment ?? []) { _sqliteOptions = sqliteOptions };
        foreach (var name in PipelineServices.Names)
            pipeline.Services[name] = ServiceProcess.StartService(name, pipeline.Environment());
        foreach (var service in pipeline.Services.Values)
            await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        return pipeline;
    }

    public Dictionary<string, string> Environment()
    {
        var env = new Dictionary<string, string>
        {
            ["ConnectionStrings__RabbitMq"] = _node.ConnectionString(VirtualHost),
            ["Bus__Transport"] = "RabbitMq",
            ["Storage__Provider"] = "Sqlite",
            ["ConnectionStrings__Sqlite"] = $"Data Source={DbPath}{_sqliteOptions}",
            ["AirQino__BaseUrl"] = Simulator.BaseUrl.ToString(),
            ["AirQino__RetryDelay"] = "00:00:00.200",
        };
        foreach (var (key, value) in _extraEnvironment)
            env[key] = value;
        return env;
    }

    /// <summary>SIGKILL: no shutdown hook runs, in-flight messages stay unacknowledged.</summary>
    public async Task KillAsync(string service)
    {
        Services[service].Kill();
        await Services[service].WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    public async Task RestartAsync(string service)
    {
        var old = Services[service];
        Services[service] = ServiceProcess.StartService(service, Environment());
        await old.DisposeAsync();
        await Services[service].WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
    }

    /// <summary>The backfill of every station over From..To, one command per day, as a separate CLI process.</summary>
    public ServiceProcess StartBackfill()
    {
        List<string> arguments = ["backfill", "--from", From.ToString("yyyy-MM-dd"), "--to", To.ToString("yyyy-MM-dd"),
            "--chunk-days", "1", "--db", DbPath, "--idle-timeout", "00:02:00"];
        foreach (var station in StationIds)
            arguments.AddRange(["--station", station]);
        return ServiceProcess.StartCli(arguments, Environment());
    }

    /// <summary>
    /// The backfill's exit, then the pipeline's queues empty: the CLI returns once the days are stored, while the raw
    /// archive is written by its own endpoint and can still hold the last batch.
    /// </summary>
    public async Task RunBackfillToCompletionAsync(ServiceProcess backfill)
    {
        var exit = await backfill.WaitForExitAsync(TimeSpan.FromMinutes(5));
        Assert.True(exit == 0, $"backfill exited {exit}:\n{backfill.Output}\n{ServicesOutput()}");
        Assert.Contains($"Days stored: {StationDays} of {StationDays}", backfill.Output);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        List<string> waiting;
        while ((waiting = await PipelineQueuesHoldingMessagesAsync()).Count > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(250);
        Assert.True(waiting.Count == 0,
            $"the backfill finished but its queues still hold messages 60 s later ({string.Join(", ", waiting)}):\n{ServicesOutput()}");
    }

    private async Task<List<string>> PipelineQueuesHoldingMessagesAsync() =>
        (await _node.QueueDepthsAsync(VirtualHost)).Where(d => QueueNames.All.Contains(d.Key) && d.Value > 0)
            .Select(d => $"{d.Key}={d.Value}").ToList();

    public string ServicesOutput() => string.Join("\n", Services.Select(s => $"--- {s.Key} ---\n{s.Value.Output}"));

    /// <summary>Kills the services so the store file is closed (a comparison reads it afterwards).</summary>
    public async Task StopServicesAsync()
    {
        foreach (var service in Services.Values)
            await service.DisposeAsync();
        Services.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await StopServicesAsync();
        await Simulator.DisposeAsync();
        try { await _node.CtlAsync("delete_vhost", VirtualHost); } catch (InvalidOperationException) { }
        Directory.Delete(_workDir, recursive: true);
    }
}
