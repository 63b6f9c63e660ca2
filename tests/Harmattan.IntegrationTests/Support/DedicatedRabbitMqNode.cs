using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Harmattan.IntegrationTests.Support;

/// <summary>
/// A RabbitMQ node of its own (own node name, ports, data and log folders), so fault tests can stop and start the
/// broker without touching the shared one on port 5672 that other tests use.
/// </summary>
public sealed class DedicatedRabbitMqNode : IAsyncDisposable
{
    private readonly string _baseDir;

    private DedicatedRabbitMqNode(string nodeName, int port, string baseDir)
    {
        NodeName = nodeName;
        Port = port;
        _baseDir = baseDir;
    }

    public string NodeName { get; }
    public int Port { get; }
    public string LogDirectory => Path.Combine(_baseDir, "log");

    public string ConnectionString(string virtualHost) => $"amqp://guest:guest@localhost:{Port}/{Uri.EscapeDataString(virtualHost)}";

    /// <summary>Starts the node, or skips (fails under CI=true) when rabbitmq-server is not installed.</summary>
    public static async Task<DedicatedRabbitMqNode> StartAsync()
    {
        if (!File.Exists("/usr/sbin/rabbitmq-server") && !File.Exists("/usr/bin/rabbitmq-server"))
        {
            const string reason = "rabbitmq-server is not installed (apt-get install rabbitmq-server)";
            if (Environment.GetEnvironmentVariable("CI") == "true")
                Assert.Fail("RabbitMQ is required under CI: " + reason);
            Assert.Skip("Fault tests skipped: " + reason);
        }
        var id = Guid.NewGuid().ToString("N")[..8];
        var baseDir = Directory.CreateTempSubdirectory("harmattan-rabbit-").FullName;
        await File.WriteAllTextAsync(Path.Combine(baseDir, "enabled_plugins"), "[].\n");
        // rabbitmq-server drops to the rabbitmq user when started as root; that user must own the node's folders.
        await RunAsync("chown", ["-R", "rabbitmq:rabbitmq", baseDir], allowFailure: true);
        var port = FreePortPair();
        var node = new DedicatedRabbitMqNode($"harmattan-faults-{id}@localhost", port, baseDir);
        await RunAsync("rabbitmq-server", ["-detached"], environment: node.ServerEnvironment());
        // `rabbitmqctl wait` fails at once ("garbage_in_pid_file") when it reads the file while the server is still writing it.
        await node.PidWrittenAsync(TimeSpan.FromMinutes(2));
        await node.CtlAsync("wait", node.PidFile, "--timeout", "120");
        await node.CtlAsync("await_startup", "--timeout", "120");
        return node;
    }

    private string PidFile => Path.Combine(_baseDir, "pid");

    private async Task PidWrittenAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!(File.Exists(PidFile) && int.TryParse((await File.ReadAllTextAsync(PidFile)).Trim(), out _)))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"rabbitmq-server wrote no pid to {PidFile} within {timeout}; see {LogDirectory}.");
            await Task.Delay(100);
        }
    }

    /// <summary>Stops the broker application (connections drop, durable queues and persistent messages stay).</summary>
    public Task StopAppAsync() => CtlAsync("stop_app");

    public async Task StartAppAsync()
    {
        await CtlAsync("start_app");
        await CtlAsync("await_startup", "--timeout", "120");
    }

    public async Task AddVirtualHostAsync(string name)
    {
        await CtlAsync("add_vhost", name);
        await CtlAsync("set_permissions", "-p", name, "guest", ".*", ".*", ".*");
    }

    /// <summary>Messages ready + unacknowledged in each queue of a virtual host.</summary>
    public async Task<Dictionary<string, long>> QueueDepthsAsync(string virtualHost)
    {
        var output = await CtlAsync("list_queues", "-p", virtualHost, "--quiet", "--no-table-headers", "name", "messages");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split('\t', ' '))
            .Where(c => c.Length >= 2 && long.TryParse(c[^1], out _))
            .ToDictionary(c => c[0], c => long.Parse(c[^1]));
    }

    public Task<string> CtlAsync(params string[] arguments) => RunAsync("rabbitmqctl", ["-n", NodeName, .. arguments]);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await CtlAsync("stop", PidFile);
        }
        catch (InvalidOperationException)
        {
            if (File.Exists(PidFile) && int.TryParse(await File.ReadAllTextAsync(PidFile), out var pid))
                try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { }
        }
        try { Directory.Delete(_baseDir, recursive: true); } catch (IOException) { }
    }

    private Dictionary<string, string> ServerEnvironment() => new()
    {
        ["RABBITMQ_NODENAME"] = NodeName,
        ["RABBITMQ_NODE_PORT"] = Port.ToString(),
        ["RABBITMQ_MNESIA_BASE"] = Path.Combine(_baseDir, "mnesia"),
        ["RABBITMQ_LOG_BASE"] = LogDirectory,
        ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_baseDir, "enabled_plugins"),
        ["RABBITMQ_PID_FILE"] = PidFile,
    };

    private static async Task<string> RunAsync(string file, string[] arguments, IReadOnlyDictionary<string, string>? environment = null,
        bool allowFailure = false)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0 && !allowFailure)
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await output}{await errors}");
        return await output;
    }

    /// <summary>RabbitMQ's distribution port is the AMQP port plus this.</summary>
    private const int DistributionPortOffset = 20_000;

    /// <summary>Where Linux's default range of ports for outgoing connections starts.</summary>
    private const int FirstOutgoingPort = 32_768;

    /// <summary>
    /// A port P for AMQP such that the node's distribution port (P + <see cref="DistributionPortOffset"/>) is free too.
    /// Both stay below the ports Linux gives outgoing connections, so no connection takes one between this check and the
    /// node's start.
    /// </summary>
    private static int FreePortPair()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(10_000, FirstOutgoingPort - DistributionPortOffset);
            if (IsFree(port) && IsFree(port + DistributionPortOffset))
                return port;
        }
        throw new InvalidOperationException($"No free port pair (P, P + {DistributionPortOffset}) for a dedicated RabbitMQ node.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Any, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
