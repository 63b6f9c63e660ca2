namespace Harmattan.Cli;

/// <summary>
/// A failure the user can act on, printed as one line without a stack trace: exit code 2 for a bad invocation (a value
/// the user typed, a missing store), 1 for a runtime failure (a broker that cannot be reached).
/// </summary>
public sealed class CliException(string message, int exitCode) : Exception(message)
{
    public const int FailureExitCode = 1;
    public const int UsageExitCode = 2;

    public int ExitCode { get; } = exitCode;

    public static CliException Usage(string message) => new(message, UsageExitCode);

    public static CliException Failure(string message) => new(message, FailureExitCode);
}
