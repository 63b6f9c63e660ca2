using System.Diagnostics;
using Harmattan.Testing;

namespace Harmattan.Tests.Deploy;

/// <summary>The repository checkout the tests run from, and the command-line tools they call.</summary>
internal static class Repository
{
    public static string Root => RepositoryPaths.Root;

    public static string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>The full path of an executable on PATH, or null.</summary>
    public static string? FindTool(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, name))
        .FirstOrDefault(File.Exists);

    public static (int ExitCode, string Output, string Error) Run(string tool, params string[] arguments) =>
        RunIn(Root, TimeSpan.FromMinutes(2), tool, arguments);

    public static (int ExitCode, string Output, string Error) RunIn(string workingDirectory, TimeSpan timeout, string tool,
        params string[] arguments) =>
        RunWith(new Dictionary<string, string>(), workingDirectory, timeout, tool, arguments);

    /// <param name="environment">Variables set for the tool beside the test's own.</param>
    public static (int ExitCode, string Output, string Error) RunWith(IReadOnlyDictionary<string, string> environment,
        string workingDirectory, TimeSpan timeout, string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {tool}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', arguments)} did not finish within {timeout}");
        }
        return (process.ExitCode, output.Result, error.Result);
    }
}
