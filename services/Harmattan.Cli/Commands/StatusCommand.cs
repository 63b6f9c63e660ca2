using Harmattan.Hosting;
using System.CommandLine;
using System.Globalization;
using Harmattan.Cli.Pipeline;
using Harmattan.Stations;
using Harmattan.Storage;
using Spectre.Console;

namespace Harmattan.Cli.Commands;

/// <summary>
/// <c>harmattan status</c>: per station the last hour stored, the last fetch, the data age and the stored days of the
/// last 30 days or of <c>--from..--to</c>; the depth of every error queue. Exits 2 only when <c>--max-age</c> is given
/// and a station's data is older, or <c>--max-errors</c> and more messages than it wait in the error queues (or RabbitMQ
/// does not answer), for cron or monitoring.
/// </summary>
public static class StatusCommand
{
    public const int CheckFailedExitCode = 2;

    public static Command Create()
    {
        var stations = CommonOptions.Stations();
        var from = CommonOptions.From("First day of the range to report, YYYY-MM-DD, inclusive (default: the last 30 days).");
        var to = CommonOptions.To("Last day of the range to report, YYYY-MM-DD, inclusive; at the latest today in the station's time zone.");
        var maxAge = CommonOptions.Duration("--max-age",
            $"Exit with code 2 when a station's newest stored hour ended longer ago than this ({Durations.Examples}), or has not begun by this machine's clock; without it the exit code is 0.");
        var maxErrors = CommonOptions.WholeNumber("--max-errors",
            "Exit with code 2 when more messages than this wait in the error queues together, or RabbitMQ cannot be reached " +
            "to count them; without it they do not change the exit code.", 0, int.MaxValue,
            "use 0 or more: 0 fails on any failed message");
        var db = CommonOptions.Db();
        var mongo = CommonOptions.Mongo(db);
        var rabbitMq = CommonOptions.RabbitMq();
        var command = new Command("status", "Show each station's data age and stored days (the last 30 or --from..--to), and the depth of the error queues.")
        {
            stations, from, to, maxAge, maxErrors, db, mongo, rabbitMq,
        };
        CommonOptions.ValidateRange(command, from, to);
        command.SetAction((result, cancellationToken) =>
            RunAsync(result.GetValue(stations) ?? [], result.GetValue(from), result.GetValue(to), result.GetValue(maxAge),
                result.GetValue(maxErrors), CommonOptions.StoreOverrides(result.GetValue(db), result.GetValue(mongo)), result.GetValue(rabbitMq), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string[] stationIds, DateOnly? from, DateOnly? to, TimeSpan? maxAge, int? maxErrors,
        (string, string?)[] storeOverrides, Uri? rabbitMq, CancellationToken cancellationToken)
    {
        var builder = CliHost.CreateBuilder(CommonOptions.StoreDefaults,
            CliHost.Overrides([.. storeOverrides, CommonOptions.RabbitMqOverride(rabbitMq)]));
        // The asked ids and the configured stations are checked before the store is opened.
        StationSelection.NotConfigured(builder.Configuration, stationIds);
        StoreLocation.RequireExisting(builder.Configuration);
        var broker = BusRegistration.RabbitMqUri(builder.Configuration);
        builder.Services.AddPipelineStoreForReading(builder.Configuration);
        using var host = builder.Build();
        var time = host.Services.GetRequiredService<TimeProvider>();
        var store = host.Services.GetRequiredService<IPipelineStore>();
        await StoreLocation.OpenForReadingAsync(store, cancellationToken);
        var asked = await StationSelection.ResolveAsync(builder.Configuration, store, stationIds, from, to, time, cancellationToken);

        var schema = await store.RequireKnownSchemaAsync(cancellationToken);
        AnsiConsole.MarkupLineInterpolated($"Store: {StoreLocation.Describe(builder.Configuration)} ({SchemaNote(schema, store.KnownSchema)})");
        var now = time.GetUtcNow();
        var configured = StationsOptions.Read(builder.Configuration).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var statuses = new List<StationStatus>();
        foreach (var station in asked)
            statuses.Add(await StationStatus.ReadAsync(store, station, now, wholeRange: from is not null, cancellationToken));
        var stored = await store.GetStationIdsAsync(cancellationToken);
        foreach (var status in statuses)
        {
            WriteStation(status, from is not null, now);
            if (StoredStations.NotStoredNote(status.StationId, configured.Contains(status.StationId), status.Activity.LastFetchedAt, stored)
                is { Length: > 0 } note)
                AnsiConsole.MarkupLineInterpolated($"  [yellow]{note.Trim()}[/]");
        }
        if (stationIds.Length == 0)
        {
            var unconfigured = StoredStations.Nameable(stored.Except(configured)).Order(StringComparer.Ordinal).ToList();
            if (unconfigured.Count > 0)
                AnsiConsole.MarkupLineInterpolated(
                    $"Also stored, not among the configured stations (so not checked by --max-age): {string.Join(", ", unconfigured)}. Add --station ID to see one.");
        }
        if (statuses.All(s => s.Activity.LastReadingHour is null) && StoreLocation.SimulatedStoreHint(builder.Configuration) is { Length: > 0 } hint)
            AnsiConsole.MarkupLineInterpolated($"Nothing stored here.{hint}");
        ArchiveCommand.WriteSizes(await ArchiveCommand.ReadSizesAsync(store, cancellationToken));

        var errorQueues = await ErrorQueueReport.ReadAsync(broker, RabbitMqAddress.ConnectTimeout, cancellationToken);
        WriteErrorQueues(errorQueues);

        var tooOld = maxAge is { } ageLimit && TooOld(statuses, ageLimit, now);
        var tooManyFailed = maxErrors is { } errorLimit && TooManyFailed(errorQueues, errorLimit);
        return tooOld || tooManyFailed ? CheckFailedExitCode : 0;
    }

    private static bool TooOld(IReadOnlyList<StationStatus> statuses, TimeSpan limit, DateTimeOffset now)
    {
        var stale = statuses.Where(s => s.IsOlderThan(limit) || LastHourNotBegun(s, now)).ToList();
        foreach (var status in stale)
        {
            if (LastHourNotBegun(status, now))
                AnsiConsole.MarkupLineInterpolated(
                    $"[red]CLOCK[/]: station {status.StationId}'s last hour stored, {Instant(status.Activity.LastReadingHour)}, has not begun by this machine's clock ({Instant(now)}), so its data age (--max-age {Durations.Format(limit)}) cannot be told: check this machine's clock and the source's timestamps.");
            else if (status.DataAge is { } age)
                AnsiConsole.MarkupLineInterpolated($"[red]STALE[/]: station {status.StationId}'s data is {Age(age)} old, older than --max-age {Durations.Format(limit)}.");
            else
                AnsiConsole.MarkupLineInterpolated($"[red]STALE[/]: station {status.StationId} has no data stored (--max-age {Durations.Format(limit)}).");
        }
        if (stale.Count > 0)
            return true;
        AnsiConsole.MarkupLineInterpolated($"OK: every station's data is younger than {Durations.Format(limit)}.");
        return false;
    }

    private static bool TooManyFailed(ErrorQueueReport report, int limit)
    {
        if (report.Unreachable is not null)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]ERRORS UNKNOWN[/]: the error queues could not be read (above), so --max-errors {limit} is not met.");
            return true;
        }
        var failed = report.Queues.Sum(q => q.Messages ?? 0);
        if (failed > limit)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]ERRORS[/]: {Counted.Of(failed, "message waits", "messages wait")} in the error queues, more than --max-errors {limit}.");
            return true;
        }
        AnsiConsole.MarkupLineInterpolated($"OK: {Counted.Of(failed, "message waits", "messages wait")} in the error queues, at most --max-errors {limit}.");
        return false;
    }

    /// <summary>This command reads an older store as it is: it never upgrades one.</summary>
    private static string SchemaNote(long schema, long known) => schema == known
        ? $"store schema {schema}"
        : $"store schema {schema}, older than this version's {known}: the first writer of this version to open it (the loader, `harmattan run`, `harmattan archive prune`) upgrades it";

    /// <summary>What the missing days need: a backfill for those never fetched, nothing for those the source had no value for.</summary>
    private static string MissingSplit(StationStatus status) => status.Missing == 0 ? "" :
        $": {status.WithoutValue} stored without a value at the source, {status.Missing - status.WithoutValue} not fetched";

    /// <summary>An hour stored from a source whose clock ran ahead, or read by a machine whose clock is behind, reads as fresh.</summary>
    private static bool LastHourNotBegun(StationStatus status, DateTimeOffset now) =>
        status.Activity.LastReadingHour is { } hour && DayWindows.IsAheadOf(hour, now);

    private static void WriteStation(StationStatus status, bool asked, DateTimeOffset now)
    {
        var range = DayRange.Format(status.Days.From, status.Days.To);
        // The range is on the station's line above: a label longer than the column would push the counts out of line.
        var label = asked ? "days" : $"last {StationStatus.RecentDays} days";
        AnsiConsole.MarkupLineInterpolated(
            $"[bold]Station {status.StationId}[/] ({status.Days.TimeZone.Id}; {(asked ? range : $"last {StationStatus.RecentDays} days: {range}")})");
        AnsiConsole.MarkupLineInterpolated($"  last hour stored   {Instant(status.Activity.LastReadingHour)}");
        AnsiConsole.MarkupLineInterpolated($"  last fetch         {Instant(status.Activity.LastFetchedAt)}");
        AnsiConsole.MarkupLineInterpolated($"  data age           {(LastHourNotBegun(status, now) ? "unknown (clock, below)" : status.DataAge is { } age ? Age(age) : "no data")}");
        var ahead = new[] { ("the last hour stored", LastHourNotBegun(status, now)),
            ("the last fetch", status.Activity.LastFetchedAt is { } fetched && DayWindows.IsAheadOf(fetched, now)) }.Where(a => a.Item2).ToList();
        if (ahead.Count > 0)
            AnsiConsole.MarkupLineInterpolated(
                $"  [red]clock[/]              {string.Join(" and ", ahead.Select(a => a.Item1))} {(ahead.Count > 1 ? "are" : "is")} later than this machine's now, {Instant(now)}: check this machine's clock (and the source's timestamps).");
        AnsiConsole.MarkupLineInterpolated(
            $"  {label,-18} {status.Complete} complete, {status.Incomplete} incomplete{(status.Running > 0 ? $" ({status.Running} still running)" : "")}, {status.Missing} missing (of {status.Days.DayCount}){MissingSplit(status)}");
        if (status.NotFetchedSinceEnded is { Count: > 0 } unfinished)
        {
            var (they, them) = unfinished.Count > 1 ? ("they", "them") : ("it", "it");
            AnsiConsole.MarkupLineInterpolated(
                $"  [yellow]unfinished[/]         {Counted.Of(unfinished.Count, "day is", "days are")} stored from a fetch made before {they} ended ({Dates(unfinished)}), and no later fetch replaced {them}, so {they} may lack the later hours: fetch {them} with {Backfill(status.StationId, unfinished[0], unfinished[^1])}.");
        }
        if (status.CutInOtherZones is { Count: > 0 } otherZones && status.CutInOtherZonesSpan is var (first, last))
        {
            var zone = status.Days.TimeZone.Id;
            var backfill = Backfill(status.StationId, first, last);
            // A backfill cuts them again only once the services fetch the station in this zone; this command's station
            // settings may also be the ones out of date.
            var howToFetch = status.Activity.LastFetchTimeZone is not { } inUse
                ? $"Once the services have fetched the station in {zone}, {backfill} fetches them again."
                : !TimeZoneRules.SameRules(inUse, status.Days.TimeZone)
                    ? $"The services last fetched the station in {inUse}: if that is its zone, give this command their station configuration; if {zone} is, once they run with it, {backfill} fetches them again."
                    : $"{backfill} fetches them again (days AirQino no longer serves keep their averages as they are).";
            AnsiConsole.MarkupLineInterpolated(
                $"  [yellow]other zone[/]         {string.Join(", ", otherZones.Select(z => $"{Counted.Of(z.Value, "day", "days")} cut in {z.Key}"))}, not {zone}: their dates are that zone's until they are fetched again in {zone}. {howToFetch}");
        }
        if (status.ZoneSeams is { Count: > 0 } seams)
            AnsiConsole.MarkupLineInterpolated(
                $"  [yellow]zone seams[/]         where days cut in two zones meet, {string.Join("; ", seams.Take(3).Select(seam => Seam(seam, status.Days.TimeZone.Id)))}{(seams.Count > 3 ? $"; and {seams.Count - 3} more" : "")}: until both days of a seam are cut in one zone, {SeamEffect(seams)}.");
    }

    private static string SeamEffect(IReadOnlyList<ZoneSeam> seams) =>
        seams.All(seam => seam.HoursInBoth > 0) ? "the hours they overlap by can count in both days' averages"
        : seams.All(seam => seam.HoursInNeither > 0) ? "the hours between them count in neither day's average"
        : "an overlap's hours can count in both days' averages, and a gap's in neither";

    private static string Seam(ZoneSeam seam, string stationZone)
    {
        string Day(StoredDailyAverage day) => $"{day.Date:yyyy-MM-dd} ({day.TimeZone ?? $"no zone recorded, taken as {stationZone}"})";
        return $"{Day(seam.Earlier)} and {Day(seam.Later)} " + (seam.HoursInBoth > 0
            ? $"overlap by {Counted.Of(seam.HoursInBoth, "hour", "hours")}"
            : $"leave {Counted.Of(seam.HoursInNeither, "hour", "hours")} between them");
    }

    private static string Backfill(string stationId, DateOnly from, DateOnly to) =>
        $"`harmattan backfill --station {stationId} --from {from:yyyy-MM-dd} --to {to:yyyy-MM-dd}`";

    /// <summary>A few dates in full, then how many more.</summary>
    private static string Dates(IReadOnlyList<DateOnly> dates) =>
        string.Join(", ", dates.Take(3).Select(d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))) +
        (dates.Count > 3 ? $" and {dates.Count - 3} more" : "");

    private static void WriteErrorQueues(ErrorQueueReport report)
    {
        if (report.Unreachable is { } reason)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]Error queues unknown[/]: {reason}");
            return;
        }
        AnsiConsole.MarkupLineInterpolated($"Error queues (RabbitMQ {report.Broker}):");
        var width = report.Queues.Max(q => q.Queue.Length);
        foreach (var queue in report.Queues)
            AnsiConsole.MarkupLineInterpolated($"  {queue.Queue.PadRight(width)}  {(queue.Messages is { } n ? n.ToString(CultureInfo.InvariantCulture) : "not declared")}");
        if (report.Queues.Any(q => q.Messages > 0))
            AnsiConsole.MarkupLine("Messages in an error queue failed every retry; after fixing the cause, move them back with `harmattan redrive --queue NAME` " +
                "(those of a station that will never succeed, a mistyped id say, are deleted with `--station ID --discard`).");
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
}
