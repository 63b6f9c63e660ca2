using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;
using Harmattan.Cli.Pipeline;
using Harmattan.Extractor;
using Harmattan.Hosting;
using Harmattan.Storage;
using Spectre.Console;

namespace Harmattan.Cli.Commands;

/// <summary>
/// <c>harmattan status</c>: per station the last hour stored, the last fetch, the data age and the last 30 days;
/// the depth of every error queue. Exits 2 when a station's data is older than <c>--max-age</c>, for cron or monitoring.
/// </summary>
public static partial class StatusCommand
{
    public const int StaleExitCode = 2;

    public static Command Create()
    {
        var stations = CommonOptions.Stations();
        var maxAge = new Option<TimeSpan>("--max-age")
        {
            Description = "Exit with code 2 when a station's newest stored hour ended longer ago than this: 3h, 90m, 1d12h or 03:00:00 (default 3h).",
            DefaultValueFactory = _ => TimeSpan.FromHours(3),
            CustomParser = ParseMaxAge,
        };
        var db = CommonOptions.Db();
        var command = new Command("status", "Show each station's data age and last 30 days, and the depth of the error queues.")
        {
            stations, maxAge, db,
        };
        command.SetAction((result, cancellationToken) =>
            RunAsync(result.GetValue(stations) ?? [], result.GetValue(maxAge), result.GetValue(db), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string[] stationIds, TimeSpan maxAge, FileInfo? db, CancellationToken cancellationToken)
    {
        var builder = CliHost.CreateBuilder(CommonOptions.StoreDefaults, CliHost.Overrides(CommonOptions.DbOverride(db)));
        builder.Services.AddPipelineStore(builder.Configuration);
        builder.Services.AddStations(builder.Configuration);
        using var host = builder.Build();
        var time = host.Services.GetRequiredService<TimeProvider>();
        var store = host.Services.GetRequiredService<IPipelineStore>();
        await store.InitializeAsync(cancellationToken);

        var now = time.GetUtcNow();
        var statuses = new List<StationStatus>();
        foreach (var station in StationSelection.Resolve(host.Services, stationIds, null, null, time))
            statuses.Add(await StationStatus.ReadAsync(store, station, now, cancellationToken));
        foreach (var status in statuses)
            WriteStation(status);
        ArchiveCommand.WriteSizes(await ArchiveCommand.ReadSizesAsync(store, cancellationToken));

        var queues = await ErrorQueueReport.ReadAsync(BusRegistration.RabbitMqUri(builder.Configuration), TimeSpan.FromSeconds(5),
            cancellationToken);
        WriteErrorQueues(queues);

        var stale = statuses.Where(s => s.IsOlderThan(maxAge)).ToList();
        foreach (var status in stale)
        {
            if (status.DataAge is { } age)
                AnsiConsole.MarkupLineInterpolated($"[red]STALE[/]: station {status.StationId}'s data is {Age(age)} old, older than --max-age {Age(maxAge)}.");
            else
                AnsiConsole.MarkupLineInterpolated($"[red]STALE[/]: station {status.StationId} has no data stored (--max-age {Age(maxAge)}).");
        }
        if (stale.Count > 0)
            return StaleExitCode;
        AnsiConsole.MarkupLineInterpolated($"OK: every station's data is younger than {Age(maxAge)}.");
        return 0;
    }

    private static void WriteStation(StationStatus status)
    {
        AnsiConsole.MarkupLineInterpolated(
            $"[bold]Station {status.StationId}[/] ({status.Days.TimeZone.Id}; last {StationStatus.RecentDays} days: {status.Days.From:yyyy-MM-dd}..{status.Days.To:yyyy-MM-dd})");
        AnsiConsole.MarkupLineInterpolated($"  last hour stored   {Instant(status.Activity.LastReadingHour)}");
        AnsiConsole.MarkupLineInterpolated($"  last fetch         {Instant(status.Activity.LastFetchedAt)}");
        AnsiConsole.MarkupLineInterpolated($"  data age           {(status.DataAge is { } age ? Age(age) : "no data")}");
        AnsiConsole.MarkupLineInterpolated(
            $"  last {StationStatus.RecentDays} days       {status.Complete} complete, {status.Incomplete} incomplete, {status.Missing} missing");
    }

    private static void WriteErrorQueues(ErrorQueueReport report)
    {
        if (report.Unreachable is { } reason)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]Error queues: RabbitMQ ({report.Broker}) is unreachable[/]: {reason}");
            return;
        }
        AnsiConsole.MarkupLineInterpolated($"Error queues (RabbitMQ {report.Broker}):");
        var width = report.Queues.Max(q => q.Queue.Length);
        foreach (var queue in report.Queues)
            AnsiConsole.MarkupLineInterpolated($"  {queue.Queue.PadRight(width)}  {(queue.Messages is { } n ? n.ToString(CultureInfo.InvariantCulture) : "not declared")}");
        if (report.Queues.Any(q => q.Messages > 0))
            AnsiConsole.MarkupLine("Messages in an error queue failed every retry; after fixing the cause, move them back with `harmattan redrive --queue NAME`.");
    }

    private static string Instant(DateTimeOffset? instant) =>
        instant is { } value ? value.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "never";

    public static string Age(TimeSpan age)
    {
        if (age < TimeSpan.Zero)
            return "0m";
        var days = (int)age.TotalDays;
        return days > 0 ? $"{days}d {age.Hours}h {age.Minutes:00}m" : $"{age.Hours}h {age.Minutes:00}m";
    }

    private static TimeSpan ParseMaxAge(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (TryParseAge(text, out var age))
            return age;
        result.AddError($"--max-age '{text}' is not a duration: use e.g. 3h, 90m, 1d12h or 03:00:00.");
        return default;
    }

    public static bool TryParseAge(string text, out TimeSpan age)
    {
        age = default;
        var match = AgePattern().Match(text.Trim());
        if (match.Success && match.Length > 0)
        {
            foreach (var (group, unit) in new[] { ("d", TimeSpan.FromDays(1)), ("h", TimeSpan.FromHours(1)), ("m", TimeSpan.FromMinutes(1)), ("s", TimeSpan.FromSeconds(1)) })
                if (match.Groups[group].Success)
                    age += unit * int.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);
            return age > TimeSpan.Zero;
        }
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out age) && age > TimeSpan.Zero;
    }

    [GeneratedRegex(@"^(?:(?<d>\d{1,4})d)?(?:(?<h>\d{1,5})h)?(?:(?<m>\d{1,6})m)?(?:(?<s>\d{1,7})s)?$", RegexOptions.CultureInvariant)]
    private static partial Regex AgePattern();
}
