using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace Harmattan.Testing;

/// <summary>A Harmattan service or the CLI as a separate OS process, with its output captured for assertions.</summary>
public sealed partial class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private volatile Uri? _baseAddress;

    private ServiceProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    /// <summary>Where a service listens, known once it has printed Kestrel's "Now listening on" line.</summary>
    public Uri? BaseAddress => _baseAddress;
    public string Output => string.Join('\n', _output);
    public bool HasExited => _process.HasExited;
    public int Id => _process.Id;

    /// <summary>Starts one of the three services on a port the kernel picks when the service binds.</summary>
    public static ServiceProcess StartService(string service, IReadOnlyDictionary<string, string> environment)
    {
        // Port 0 rather than a port found free beforehand: a port released by the test can be handed out again before
        // the service binds it, and two services started together were once given the same one.
        var env = new Dictionary<string, string>(environment) { ["ASPNETCORE_URLS"] = "http://127.0.0.1:0" };
        // A test sends its own commands: the hourly schedule would fetch the default stations at :05 from a simulator
        // that may have none of their days, and its faults would land in the error queues tests count.
        env.TryAdd("Schedule__Enabled", "false");
        return Start(service, RepositoryPaths.ServiceDll($"Harmattan.{service}.Host", $"Harmattan.{service}.Host"), [], env);
    }

    public static ServiceProcess StartCli(IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment) =>
        Start("harmattan", RepositoryPaths.ServiceDll("Harmattan.Cli.Host", "harmattan"), arguments, environment);

    private static ServiceProcess Start(string name, string dll, IReadOnlyList<string> arguments,
        IReadOnlyDictionary<string, string> environment)
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
        var service = new ServiceProcess(name, process);
        process.OutputDataReceived += (_, e) => service.Received(e.Data);
        process.ErrorDataReceived += (_, e) => service.Received(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    private void Received(string? line)
    {
        if (line is null)
            return;
        if (_baseAddress is null && ListeningOn().Match(line) is { Success: true } listening)
            _baseAddress = new Uri(listening.Groups["address"].Value);
        _output.Enqueue(line);
    }

    // Kestrel's line, in the services' JSON log ("@m":"Now listening on: \"http://127.0.0.1:40123\"") or as plain text.
    [GeneratedRegex(@"Now listening on: \\?""?(?<address>http://[^""\\\s]+)")]
    private static partial Regex ListeningOn();

    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before it was ready:\n{Output}");
            if (BaseAddress is null)
            {
                await Task.Delay(100);
                continue;
            }
            try
            {
                using var response = await http.GetAsync(new Uri(BaseAddress, "/health/ready"));
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
        var where = BaseAddress is null ? " (it printed no \"Now listening on\" line, so its address is unknown)" : "";
        throw new TimeoutException($"{Name} was not ready within {timeout}{where}:\n{Output}");
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
}
