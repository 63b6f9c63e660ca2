using Harmattan.Cli.Commands;
using Harmattan.Hosting;
using Harmattan.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Spectre.Console;

namespace Harmattan.Cli;

/// <summary>
/// Hosts for the CLI's commands. Configuration precedence, lowest first: the command's defaults, appsettings.json,
/// environment variables (<c>ConnectionStrings__Sqlite</c>, ...), then the command-line options.
/// </summary>
public static class CliHost
{
    private const string HostFailedToStart = "Hosting failed to start";

    /// <param name="verbose">Log the services' information and retries too (<c>--verbose</c>).</param>
    public static HostApplicationBuilder CreateBuilder(IReadOnlyDictionary<string, string?> defaults,
        IReadOnlyDictionary<string, string?> overrides, bool verbose = false)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        Configure(builder, defaults, overrides, verbose);
        return builder;
    }

    private static bool _unreadSettingsFileNoted;

    /// <summary>
    /// An appsettings.json in the current folder is not read (the one beside the program is): its stations, or a key
    /// misspelt in it, would otherwise be left out without a word.
    /// </summary>
    private static void NoteUnreadSettingsFile()
    {
        var here = Path.GetFullPath("appsettings.json");
        if (_unreadSettingsFileNoted || !File.Exists(here) || here == Path.Combine(AppContext.BaseDirectory, "appsettings.json"))
            return;
        _unreadSettingsFileNoted = true;
        Console.Error.WriteLine($"Note: {here} is not read: the harmattan command reads the appsettings.json beside its program " +
            $"({AppContext.BaseDirectory}), then environment variables (Stations__0__Id=...) and its options.");
    }

    /// <summary>The configuration and logging of <see cref="CreateBuilder"/>, for a command that hosts a web application.</summary>
    public static void Configure(IHostApplicationBuilder builder, IReadOnlyDictionary<string, string?> defaults,
        IReadOnlyDictionary<string, string?> overrides, bool verbose = false)
    {
        NoteUnreadSettingsFile();
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = defaults });
        // An option that chooses the store (--db, --mongo, --simulate) overrides Storage:Provider, and would hide a bad
        // value of it that the services then refuse.
        if (overrides.ContainsKey($"{StorageOptions.Section}:{nameof(StorageOptions.Provider)}"))
            StorageOptions.Read(builder.Configuration);
        // Most commands read their settings without starting a host, so nothing would validate this section on start.
        if (UnknownSettings.Find(builder.Configuration, ConnectionStringsOptions.Section, [typeof(ConnectionStringsOptions)]) is { } unknown)
            throw new OptionsValidationException(ConnectionStringsOptions.Section, typeof(ConnectionStringsOptions), [unknown]);
        builder.Configuration.AddInMemoryCollection(overrides);
        ServiceDefaults.RequireLogLevels(builder.Configuration);
        builder.Services.TryAddSingleton(TimeProvider.System);

        // The console belongs to the command's own output; logs go to stderr, warnings and above unless configured.
        // A retry is the client doing its job, and a message that fails for good is reported by the command itself (one
        // line per station); both are logged only with --verbose, as is the host's "Hosting failed to start", which the
        // command follows with its own line naming the cause and the fix. Serilog__MinimumLevel__* still overrides.
        builder.Services.AddSerilog((services, logger) => (verbose
                ? logger.MinimumLevel.Debug()
                : logger.MinimumLevel.Warning()
                    .MinimumLevel.Override("Polly", LogEventLevel.Fatal)
                    .MinimumLevel.Override("MassTransit", LogEventLevel.Fatal)
                    .Filter.ByExcluding(e => e.MessageTemplate.Text == HostFailedToStart))
            .ReadFrom.Configuration(builder.Configuration)
            .ReadFrom.Services(services)
            .Enrich.FromLogContext()
            .Enrich.With<ExceptionReason>()
            .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose,
                outputTemplate: verbose
                    ? "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}"
                    : $"[{{Timestamp:HH:mm:ss}} {{Level:u3}}] {{Message:lj}}{{{ExceptionReason.Property}:l}}{{NewLine}}"));
    }

    /// <summary>
    /// A logged exception's reason on its line, but what the message already says (the project's own messages quote the
    /// exception's): ASP.NET Core's "An unhandled exception has occurred" said nothing else. The stack is left to <c>--verbose</c>.
    /// </summary>
    private sealed class ExceptionReason : ILogEventEnricher
    {
        public const string Property = "ExceptionReason";

        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
        {
            if (logEvent.Exception is not { } exception)
                return;
            var said = string.Join(" ", logEvent.Properties.Values.Select(value => value is ScalarValue { Value: string text } ? text : value.ToString())
                .Prepend(logEvent.MessageTemplate.Text));
            // As HarmattanCli.Reason words a failure: an aggregate's own message only lists its inner ones, and below a
            // time-out lies only the time-out again or the MongoDB driver's description of its cluster.
            string[] reasons = exception switch
            {
                AggregateException => [exception.GetBaseException().Message],
                TimeoutException => [exception.Message],
                _ => [exception.Message, exception.GetBaseException().Message],
            };
            var unsaid = reasons.Distinct().Where(reason => !HarmattanCli.Quotes(said, reason)).ToList();
            if (unsaid.Count > 0)
                logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty(Property, $" Cause: {string.Join(" ", unsaid.Select((r, i) => i == 0 ? r : $"({r})"))}"));
        }
    }

    /// <summary>
    /// Cancelled by the command's own token or when the host is asked to stop: the host's console lifetime takes
    /// Ctrl-C and SIGTERM for itself, so a command that waits must listen to both.
    /// </summary>
    public static CancellationTokenSource StopOnSignal(IHost host, CancellationToken commandToken) =>
        CancellationTokenSource.CreateLinkedTokenSource(commandToken,
            host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);

    /// <summary>
    /// What a command that sends messages says when a signal stops it before it waits: how far it got, and how to
    /// finish (<paramref name="total"/> is null when it does not know how many it sends). Returns the exit code, 130.
    /// </summary>
    public static int StoppedWhileSending(int sent, int? total, string one, string many, string howToFinish)
    {
        AnsiConsole.MarkupLineInterpolated($"{StoppedWhileSendingMessage(sent, total, one, many, howToFinish)}");
        return 130;
    }

    /// <summary>
    /// What was sent when a command was stopped; a send under way then may have reached the broker before it was given
    /// up, so until all were sent the count may be one short.
    /// </summary>
    internal static string StoppedWhileSendingMessage(int sent, int? total, string one, string many, string howToFinish) =>
        (sent, total) switch
        {
            (0, _) => $"Stopped before any {one} was sent (or as the first was under way); run the same command again.",
            // No total: stopped while the sending went on (replay reads what to send as it sends).
            (_, null) => $"Stopped after sending {Counted.Of(sent, one, many)} (or one more, under way). {howToFinish}",
            (_, int all) when sent >= all => $"Stopped after sending all {sent} {many}. {howToFinish}",
            _ => $"Stopped after sending {sent} of {total} {many} (or one more, under way). {howToFinish}",
        };

    public static Dictionary<string, string?> Overrides(params (string Key, string? Value)[] pairs) =>
        pairs.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value);
}
