using Harmattan.AirQinoSimulator;
using Harmattan.IntegrationTests.Support;
using Harmattan.Storage.Sqlite;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Harmattan.IntegrationTests.Operations;

/// <summary>
/// What the replay and redrive tests share: a virtual host, the simulator serving one synthetic station, a SQLite
/// store, the services as processes and the CLI.
/// </summary>
public sealed class ReplayRedrivePipeline : IAsyncDisposable
{
    public static readonly string Station = SyntheticAirQino.StationId(0);
    public static readonly DateOnly From = new(2026, 3, 1);
    public static readonly DateOnly To = new(2026, 3, 3);
    public const int Days = 3;

    private readonly string _workDir = Directory.CreateTempSubdirectory("harmattan-ops-").FullName;
    private readonly List<ServiceProcess> _services = [];
    private readonly RabbitMqVirtualHost _vhost;
    private readonly AirQinoSimulatorHost _simulator;

    private ReplayRedrivePipeline(RabbitMqVirtualHost vhost, AirQinoSimulatorHost simulator)
    {
        _vhost = vhost;
        _simulator = simulator;
        Store = new SqlitePipelineStore($"Data Source={DbPath}");
    }

    public string DbPath => Path.Combine(_workDir, "harmattan.db");
    public SqlitePipelineStore Store { get; }
    public string AllServiceOutput => string.Join("\n", _services.Select(s => $"--- {s.Name} ---\n{s.Output}"));

    public AirQinoSimulatorHost Simulator => _simulator;

    public static async Task<ReplayRedrivePipeline> StartAsync(SimulatorTokenOptions? tokens = null)
    {
        var vhost = await RabbitMqVirtualHost.CreateAsync();
        var simulator = await AirQinoSimulatorHost.StartAsync(new SimulatorOptions
        {
            SyntheticStations = 1, Days = 30, Seed = 7, Now = new DateTimeOffset(2026, 3, 10, 0, 0, 0, TimeSpan.Zero),
            Tokens = tokens ?? new SimulatorTokenOptions(),
        });
        var pipeline = new ReplayRedrivePipeline(vhost, simulator);
        await pipeline.Store.InitializeAsync();
        return pipeline;
    }

    public Dictionary<string, string> Environment(params (string Key, string Value)[] overrides)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__RabbitMq"] = _vhost.ConnectionString,
            ["Bus__Transport"] = "RabbitMq",
            ["Storage__Provider"] = "Sqlite",
            ["ConnectionStrings__Sqlite"] = $"Data Source={DbPath}",
            ["AirQino__BaseUrl"] = _simulator.BaseUrl,
        };
        foreach (var (key, value) in overrides)
            environment[key] = value;
        return environment;
    }

    public async Task<ServiceProcess> StartServiceAsync(string service, params (string Key, string Value)[] overrides)
    {
        var process = ServiceProcess.StartService(service, Environment(overrides));
        _services.Add(process);
        await process.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        return process;
    }

    public async Task StopServiceAsync(ServiceProcess service)
    {
        await service.DisposeAsync();
        _services.Remove(service);
    }

    /// <summary>Runs the CLI to its end; returns its exit code and output.</summary>
    public async Task<(int Exit, string Output)> CliAsync(params string[] arguments)
    {
        await using var cli = ServiceProcess.StartCli(arguments, Environment());
        var exit = await cli.WaitForExitAsync(TimeSpan.FromMinutes(3));
        return (exit, cli.Output);
    }

    public async Task<string> ExportAsync(string name)
    {
        var csv = Path.Combine(_workDir, name);
        var (exit, output) = await CliAsync("export", "--station", Station, "--from", $"{From:yyyy-MM-dd}", "--to", $"{To:yyyy-MM-dd}",
            "--db", DbPath, "--out", csv);
        Assert.True(exit == 0, $"export exited {exit}:\n{output}");
        return await File.ReadAllTextAsync(csv);
    }

    /// <summary>Messages ready in a queue of this test's virtual host; 0 when the queue does not exist (yet).</summary>
    public async Task<uint> MessagesInAsync(string queue)
    {
        var factory = new ConnectionFactory { Uri = new Uri(_vhost.ConnectionString) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (OperationInterruptedException)
        {
            return 0;
        }
    }

    public static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"not reached within {timeout}: {describe()}");
            await Task.Delay(250);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _services)
            await service.DisposeAsync();
        await _simulator.DisposeAsync();
        await _vhost.DisposeAsync();
        Store.Dispose();
        Directory.Delete(_workDir, recursive: true);
    }
}
