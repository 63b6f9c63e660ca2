using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Harmattan.Testing;

/// <summary>A Harmattan service or the CLI as a separate OS process, with its output captured for assertions.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ServiceProcess(string name, Process process, Uri? baseAddress)
    {
        Name = name;
        _process = process;
        BaseAddress = baseAddress;
    }

    public string Name { get; }
    public Uri? BaseAddress { get; }
    public string Output => string.Join('\n', _output);
    public bool HasExited => _process.HasExited;
    public int Id => _process.Id;

    /// <summary>Starts one of the three services on a free local port.</summary>
    public static ServiceProcess StartService(string service, IReadOnlyDictionary<string, string> environment)
    {
        var port = FreePort();
        var env = new Dictionary<string, string>(environment) { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}" };
        // A test sends its own commands: the hourly schedule would fetch the default stations at :05 from a simulator
        // that may have none of their days, and its faults would land in the error queues tests count.
        env.TryAdd("Schedule__Enabled", "false");
        return Start(service, RepositoryPaths.ServiceDll($"Harmattan.{service}.Host", $"Harmattan.{service}.Host"), [], env,
            new Uri($"http://127.0.0.1:{port}"));
    }

    public static ServiceProcess StartCli(IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment) =>
        Start("harmattan", RepositoryPaths.ServiceDll("Harmattan.Cli.Host", "harmattan"), arguments, environment, null);

    private static ServiceProcess Start(string name, string dll, IReadOnlyList<string> arguments,
        IReadOnlyDictionary<string, string> environment, Uri? baseAddress)
    {
        if (!File.Exists(dll))
            throw new FileNotFoundException($"{dll} is missing: build the solution first (dotnet build Harmattan.slnx).");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment)
            info.Environment[key] = value;

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var service = new ServiceProcess(name, process, baseAddress);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) service._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) service._output.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before it was ready:\n{Output}");
            try
            {
                using var response = await http.GetAsync(new Uri(BaseAddress!, "/health/ready"));
                if (response.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"{Name} was not ready within {timeout}:\n{Output}");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} did not exit within {timeout}:\n{Output}");
        }
        // WaitForExitAsync returns once the process ends; the last output lines can still be in flight.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Kill() => _process.Kill(entireProcessTree: true);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
