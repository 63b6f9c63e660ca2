using System.CommandLine;
using System.CommandLine.Help;
using Harmattan.Cli.Commands;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace Harmattan.Cli;

/// <summary>
/// The <c>harmattan</c> command line: every command, and how a bad invocation or a failure is reported (one line and
/// a hint, never the whole help or a stack trace).
/// </summary>
public static class HarmattanCli
{
    public static RootCommand CreateRoot() =>
        new("harmattan: extract AirQino air-quality readings, compute hourly and daily averages, store them.")
        {
            RunCommand.Create(),
            BackfillCommand.Create(),
            TriggerCommand.Create(),
            StatusCommand.Create(),
            ExportCommand.Create(),
            ReplayCommand.Create(),
            RedriveCommand.Create(),
            DashboardCommand.Create(),
            ArchiveCommand.Create(),
        };

    public static async Task<int> InvokeAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var result = CreateRoot().Parse(args);
        if (result.Errors.Count > 0 && result.Action is not HelpAction)
        {
            foreach (var error in result.Errors.Select(e => e.Message).Distinct())
                await Console.Error.WriteLineAsync($"error: {error}");
            await Console.Error.WriteLineAsync($"see '{CommandPath(result.CommandResult.Command)} --help'");
            return CliException.UsageExitCode;
        }

        try
        {
            return await result.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (CliException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            if (ex.ExitCode == CliException.UsageExitCode)
                await Console.Error.WriteLineAsync($"see '{CommandPath(result.CommandResult.Command)} --help'");
            return ex.ExitCode;
        }
        catch (OptionsValidationException ex)
        {
            // A configuration value (appsettings.json or an environment variable) refused at start; the message names the key.
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return CliException.UsageExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 130;
        }
        catch (Exception ex)
        {
            // Not a stack trace on the user's terminal: the innermost reason says what went wrong, the outermost where
            // ("MongoDB did not answer ... (Operation canceled)"); an AggregateException's own message says neither.
            var reason = ex.GetBaseException();
            var message = reason == ex || ex is AggregateException ? reason.Message : $"{ex.Message} ({reason.Message})";
            await Console.Error.WriteLineAsync($"error: {message}");
            return CliException.FailureExitCode;
        }
    }

    /// <summary>
    /// Output that is not a terminal (a file, a pipe) is not wrapped: Spectre.Console would wrap it at 80 columns in the
    /// middle of words, and a reader or a parser wants whole lines. A terminal keeps its own width.
    /// </summary>
    public static void WriteUnwrappedTo(TextWriter output)
    {
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        AnsiConsole.Profile.Width = UnwrappedWidth;
    }

    /// <summary>Wide enough for any line the commands print; a table is only as wide as its content.</summary>
    public const int UnwrappedWidth = 4096;

    private static string CommandPath(Command command) =>
        command.Parents.OfType<Command>().FirstOrDefault() is { } parent && parent is not RootCommand
            ? $"{CommandPath(parent)} {command.Name}"
            : command is RootCommand ? "harmattan" : $"harmattan {command.Name}";
}
