using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace Harmattan.Benchmarks.EndToEnd;

/// <summary>The local RabbitMQ (started when nothing answers on 5672) and a virtual host of the run's own.</summary>
public sealed class RabbitMqBroker : IAsyncDisposable
{
    private RabbitMqBroker(string virtualHost) => VirtualHost = virtualHost;

    public string VirtualHost { get; }
    public string ConnectionString => $"amqp://guest:guest@localhost:5672/{VirtualHost}";

    public static async Task<RabbitMqBroker> StartAsync()
    {
        if (!await AnswersAsync())
        {
            Console.WriteLine("RabbitMQ is not running on localhost:5672; starting it (rabbitmq-server -detached).");
            await RunAsync("rabbitmq-server", "-detached");
            await AwaitStartupAsync();
        }
        var name = "harmattan-bench-" + Guid.NewGuid().ToString("N")[..12];
        await RunAsync("rabbitmqctl", "add_vhost", name);
        await RunAsync("rabbitmqctl", "set_permissions", "-p", name, "guest", ".*", ".*", ".*");
        return new RabbitMqBroker(name);
    }

    /// <summary>Messages waiting in each queue of the virtual host.</summary>
    public async Task<IReadOnlyDictionary<string, long>> QueueDepthsAsync()
    {
        var output = await RunAsync("rabbitmqctl", "list_queues", "-p", VirtualHost, "--quiet", "--no-table-headers", "name", "messages");
        var depths = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split('\t', StringSplitOptions.TrimEntries);
            if (parts.Length == 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var messages))
                depths[parts[0]] = messages;
        }
        return depths;
    }

    public async ValueTask DisposeAsync() => await RunAsync("rabbitmqctl", "delete_vhost", VirtualHost);

    // `rabbitmq-server -detached` returns before the Erlang node registers, and `await_startup` fails at once on a node
    // that is not registered yet, so it is asked again until the node answers.
    private static async Task AwaitStartupAsync()
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            try
            {
                await RunAsync("rabbitmqctl", "await_startup");
                return;
            }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }

    private static async Task<bool> AnswersAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("localhost", 5672).WaitAsync(TimeSpan.FromSeconds(3));
            return true;
        }
        catch (Exception ex) when (ex is SocketException or TimeoutException)
        {
            return false;
        }
    }

    private static async Task<string> RunAsync(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        using var process = Process.Start(info)
                            ?? throw new InvalidOperationException($"{program} could not be started: install rabbitmq-server (apt-get install rabbitmq-server).");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await stdout}{await stderr}");
        return await stdout;
    }
}
