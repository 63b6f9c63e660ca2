using System.Diagnostics;
using System.Net.Sockets;

namespace Harmattan.Testing;

/// <summary>
/// The local RabbitMQ broker (.ci/run installs and starts it). Each test gets its own virtual host so that tests
/// never consume each other's messages.
/// </summary>
public sealed class RabbitMqVirtualHost : IAsyncDisposable
{
    private RabbitMqVirtualHost(string name) => Name = name;

    public string Name { get; }

    public string ConnectionString => $"amqp://guest:guest@localhost:5672/{Name}";

    /// <summary>
    /// Creates a virtual host, or skips the test with the reason when no broker is running. Under CI (CI=true) a
    /// missing broker is a failure, not a skip.
    /// </summary>
    public static async Task<RabbitMqVirtualHost> CreateAsync()
    {
        var reason = await WhyUnavailableAsync();
        if (reason is not null)
        {
            if (Environment.GetEnvironmentVariable("CI") == "true")
                Assert.Fail("RabbitMQ is required under CI: " + reason);
            Assert.Skip("RabbitMQ tests skipped: " + reason + ". Start it with `rabbitmq-server -detached` (see README).");
        }
        var name = "harmattan-test-" + Guid.NewGuid().ToString("N")[..12];
        await RabbitMqCtlAsync("add_vhost", name);
        await RabbitMqCtlAsync("set_permissions", "-p", name, "guest", ".*", ".*", ".*");
        return new RabbitMqVirtualHost(name);
    }

    public async ValueTask DisposeAsync() => await RabbitMqCtlAsync("delete_vhost", Name);

    private static async Task<string?> WhyUnavailableAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("localhost", 5672).WaitAsync(TimeSpan.FromSeconds(3));
        }
        catch (Exception ex) when (ex is SocketException or TimeoutException)
        {
            return "no broker answers on localhost:5672";
        }
        return File.Exists("/usr/sbin/rabbitmqctl") || File.Exists("/usr/bin/rabbitmqctl")
            ? null
            : "rabbitmqctl is not installed (apt-get install rabbitmq-server)";
    }

    /// <summary>Runs rabbitmqctl and returns its standard output.</summary>
    public static async Task<string> RabbitMqCtlAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo("rabbitmqctl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', arguments)} failed ({process.ExitCode}): {output}{errors}");
        return output;
    }
}
