using System.Diagnostics;
using Harmattan.IntegrationTests.Support;

namespace Harmattan.IntegrationTests.Cli;

/// <summary>The README's way to get a <c>harmattan</c> command: pack the CLI as a .NET tool and install it.</summary>
public sealed class ToolPackageTests : IDisposable
{
    private readonly string _workDir = Directory.CreateTempSubdirectory("harmattan-tool-").FullName;

    public void Dispose() => Directory.Delete(_workDir, recursive: true);

    [Fact]
    public async Task The_cli_packs_as_a_dotnet_tool_that_installs_as_harmattan_and_runs()
    {
        var packages = Path.Combine(_workDir, "nupkg");
        var tools = Path.Combine(_workDir, "tools");

        await RunAsync("dotnet", "pack", Path.Combine(RepositoryPaths.Root, "services", "Harmattan.Cli.Host"), "--no-build",
            "-c", RepositoryPaths.Configuration, "-o", packages);
        await RunAsync("dotnet", "tool", "install", "--tool-path", tools, "--add-source", packages, "Harmattan.Cli");
        var help = await RunAsync(Path.Combine(tools, OperatingSystem.IsWindows() ? "harmattan.exe" : "harmattan"), "--help");

        Assert.Contains("harmattan [command] [options]", help);
        foreach (var command in new[] { "run", "backfill", "trigger", "status", "export", "replay", "redrive" })
            Assert.Contains($"  {command} ", help);
    }

    private async Task<string> RunAsync(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool)
        {
            WorkingDirectory = _workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{tool} {string.Join(' ', arguments)} exited {process.ExitCode}:\n{await output}\n{await error}");
        return await output;
    }
}
