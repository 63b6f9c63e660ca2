using Harmattan.AirQinoSimulator;
using Harmattan.IntegrationTests.Support;
using Harmattan.Storage.Sqlite;

namespace Harmattan.IntegrationTests.Operations;

/// <summary>
/// The three services as separate processes on their own RabbitMQ virtual host and SQLite file, fed by a synthetic
/// simulator whose series ends now; shared by the operations tests, which use distinct stations.
/// </summary>
public sealed class OperationsFixture : IAsyncLifetime
{
    private PipelineServices? _services;

    public string WorkDir { get; } = Directory.CreateTempSubdirectory("harmattan-ops-").FullName;
    public string DbPath => Path.Combine(WorkDir, "harmattan.db");
    public RabbitMqVirtualHost VirtualHost { get; private set; } = null!;
    public AirQinoSimulatorHost Simulator { get; private set; } = null!;
    public SimulatorOptions SimulatorOptions { get; } = new() { SyntheticStations = 6, Days = 90 };
    public SqlitePipelineStore Store { get; private set; } = null!;
    public string ServicesOutput => _services?.Output ?? "(the services did not start)";

    public async ValueTask InitializeAsync()
    {
        VirtualHost = await RabbitMqVirtualHost.CreateAsync();
        Simulator = await AirQinoSimulatorHost.StartAsync(SimulatorOptions);
        Store = new SqlitePipelineStore($"Data Source={DbPath}");
        await Store.InitializeAsync();
        _services = await PipelineServices.StartAsync(Environment(), TimeSpan.FromSeconds(90));
    }

    public Dictionary<string, string> Environment() => new()
    {
        ["ConnectionStrings__RabbitMq"] = VirtualHost.ConnectionString,
        ["Bus__Transport"] = "RabbitMq",
        ["Storage__Provider"] = "Sqlite",
        ["ConnectionStrings__Sqlite"] = $"Data Source={DbPath}",
        ["AirQino__BaseUrl"] = Simulator.BaseUrl.ToString(),
    };

    public async ValueTask DisposeAsync()
    {
        if (_services is not null)
            await _services.DisposeAsync();
        Store?.Dispose();
        if (Simulator is not null)
            await Simulator.DisposeAsync();
        if (VirtualHost is not null)
            await VirtualHost.DisposeAsync();
        Directory.Delete(WorkDir, recursive: true);
    }
}
