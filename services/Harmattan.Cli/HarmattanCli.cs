using System.CommandLine;
using System.CommandLine.Help;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Harmattan.Cli.Commands;
using Harmattan.Cli.Pipeline;
using Harmattan.Hosting;
using Harmattan.Storage;
using Harmattan.Storage.Sqlite;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace Harmattan.Cli;

/// <summary>
/// The <c>harmattan</c> command line: every command, and how a bad invocation or a failure is reported (one line and
/// a hint, never the whole help or a stack trace).
/// </summary>
public static partial class HarmattanCli
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
            BackupCommand.Create(),
            RestoreCommand.Create(),
        };

    public static async Task<int> InvokeAsync(string[] args, CancellationToken cancellationToken = default)
    {
        // Every locale reads the same dates and numbers: a day printed is one --from accepts (a Thai or Saudi locale
        // would write another calendar's year), and a mean has the decimal point of the exports and the README.
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        // And one language: System.CommandLine ships its messages and help headings translated (fr, tr, ...), which under
        // LANG=fr_FR would put French parse errors beside the commands' English ones.
        CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
        // The bare command lists the commands rather than say that one is missing; it still ran none.
        if (args.Length == 0)
        {
            await CreateRoot().Parse(["--help"]).InvokeAsync(cancellationToken: cancellationToken);
            return CliException.UsageExitCode;
        }
        var result = CreateRoot().Parse(args);
        if (result.Errors.Count > 0 && result.Action is not HelpAction)
        {
            foreach (var error in result.Errors.Select(e => e.Message).Distinct())
                await Console.Error.WriteLineAsync($"error: {error}");
            await Console.Error.WriteLineAsync($"see '{CommandPath(result.CommandResult.Command)} --help'");
            return CliException.UsageExitCode;
        }

        // Ctrl-C or SIGTERM cancels the command, which stops at its next step and says where it stopped; a second one
        // ends the process, unless a command's host has taken the signal as well (it then stops within its shutdown
        // timeout). System.CommandLine's own handling is off: two seconds after the signal it ended the process without
        // a word, while a command was still starting its bus.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void StopOnSignal(PosixSignalContext context)
        {
            context.Cancel = !stop.IsCancellationRequested;
            stop.Cancel();
        }
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, StopOnSignal);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, StopOnSignal);
        try
        {
            return await result.InvokeAsync(
                new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null }, stop.Token);
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
            return await SettingsRefusedAsync([ex]);
        }
        catch (AggregateException ex) when (ex.Flatten().InnerExceptions.All(e => e is OptionsValidationException))
        {
            // Several options checked at start refused together; each options registration reports its own, often the same.
            return await SettingsRefusedAsync(ex.Flatten().InnerExceptions.Cast<OptionsValidationException>());
        }
        catch (Exception ex) when (ex.GetBaseException() is NewerStoreException or ForeignDatabaseException)
        {
            // `run` opens the store as its services start, past the reading commands' check; refused in the same words.
            var refusal = ex.GetBaseException();
            await Console.Error.WriteLineAsync(refusal is ForeignDatabaseException foreign
                ? $"error: {StoreLocation.Refusal(foreign)}"
                : $"error: {refusal.Message}.");
            return CliException.UsageExitCode;
        }
        catch (Exception ex) when (ConfigurationValueError.Describe(ex) is { } refused)
        {
            await Console.Error.WriteLineAsync($"error: {refused}");
            return CliException.UsageExitCode;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("Stopped before the command finished; run it again to complete it.");
            return 130;
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync($"error: {Reason(ex)}");
            return CliException.FailureExitCode;
        }
    }

    /// <summary>
    /// An unexpected failure in one line, not a stack trace on the user's terminal: the innermost reason says what went
    /// wrong, the outermost where ("An exception occurred while receiving a message from the server (Operation
    /// canceled)"); an AggregateException's own message says neither. A time-out says both itself: below it is only the
    /// time-out again, or the driver's description of its cluster. A message that quotes its reason already is not followed by it again.
    /// </summary>
    public static string Reason(Exception ex)
    {
        var reason = ex.GetBaseException();
        return reason == ex || ex is AggregateException ? reason.Message
            : ex is TimeoutException || Quotes(ex.Message, reason.Message) ? ex.Message
            : $"{ex.Message} ({reason.Message})";
    }

    /// <summary>Whether <paramref name="said"/> quotes <paramref name="reason"/> already, as the project's messages do, without its final full stop.</summary>
    public static bool Quotes(string said, string reason) =>
        reason.TrimEnd('.') is { Length: > 0 } words && said.Contains(words, StringComparison.Ordinal);

    /// <summary>One line per refused setting, each once, in the words of its own message.</summary>
    private static async Task<int> SettingsRefusedAsync(IEnumerable<OptionsValidationException> refusals)
    {
        foreach (var failure in refusals.SelectMany(e => e.Failures).Select(WithoutAnnotationWrapper).Distinct())
            await Console.Error.WriteLineAsync($"error: {failure}");
        return CliException.UsageExitCode;
    }

    /// <summary>"DataAnnotation validation failed for 'X' members: 'Y' with the error: 'M'." says no more than M, which names the key.</summary>
    private static string WithoutAnnotationWrapper(string failure) =>
        AnnotationFailure().Match(failure) is { Success: true } match ? match.Groups["error"].Value : failure;

    [GeneratedRegex(@"^DataAnnotation validation failed for '[^']*' members: '[^']*' with the error: '(?<error>.*)'\.$", RegexOptions.Singleline)]
    private static partial Regex AnnotationFailure();

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
