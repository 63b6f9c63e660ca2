using Harmattan.Cli;
using Spectre.Console;

namespace Harmattan.Tests.Cli;

/// <summary>
/// Runs the <c>harmattan</c> command in this process, as the program does, in a folder of its own: the console, the
/// current directory and the environment are the process's, so these tests run alone (see <see cref="CliCollection"/>).
/// </summary>
public sealed class CliRun : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("harmattan-cli-").FullName;

    public string PathOf(string name) => Path.Combine(Folder, name);

    public Task<(int Exit, string Output)> InvokeAsync(string[] args, IReadOnlyDictionary<string, string>? environment = null) =>
        InvokeUntilAsync(args, environment, CancellationToken.None);

    /// <summary>Runs a command that runs until stopped (as by Ctrl-C) until <paramref name="stop"/>, or the test's end.</summary>
    public async Task<(int Exit, string Output)> InvokeUntilAsync(string[] args, IReadOnlyDictionary<string, string>? environment,
        CancellationToken stop)
    {
        var (stdout, stderr) = (Console.Out, Console.Error);
        var console = AnsiConsole.Console;
        var directory = Directory.GetCurrentDirectory();
        var output = new StringWriter();
        var previous = new Dictionary<string, string?>();
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            previous[key] = Environment.GetEnvironmentVariable(key);
            Environment.SetEnvironmentVariable(key, value);
        }
        try
        {
            // One writer for both streams keeps the order the user would see.
            var synchronized = TextWriter.Synchronized(output);
            Console.SetOut(synchronized);
            Console.SetError(synchronized);
            Directory.SetCurrentDirectory(Folder);
            HarmattanCli.WriteUnwrappedTo(synchronized);
            using var stopped = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken, stop);
            var exit = await HarmattanCli.InvokeAsync(args, stopped.Token);
            return (exit, output.ToString().Replace("\r", ""));
        }
        finally
        {
            Directory.SetCurrentDirectory(directory);
            Console.SetOut(stdout);
            Console.SetError(stderr);
            AnsiConsole.Console = console;
            foreach (var (key, value) in previous)
                Environment.SetEnvironmentVariable(key, value);
        }
    }

    /// <summary>Every file of the folder with its content hash: a bad invocation must leave it exactly as it was.</summary>
    public IReadOnlyDictionary<string, string> Snapshot() =>
        Directory.EnumerateFiles(Folder, "*", SearchOption.AllDirectories).ToDictionary(
            f => Path.GetRelativePath(Folder, f),
            f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

/// <summary>Tests that change the console, the current directory or the environment of the process run alone.</summary>
[CollectionDefinition(DisableParallelization = true)]
public sealed class CliCollection;
