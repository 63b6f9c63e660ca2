using System.Collections.Concurrent;
using System.CommandLine;
using Harmattan.Cli.Pipeline;
using Harmattan.Contracts;
using Harmattan.Hosting;
using Harmattan.Stations;
using Harmattan.Storage;
using MassTransit;
using Spectre.Console;

namespace Harmattan.Cli.Commands;

/// <summary>
/// <c>harmattan backfill</c>: sends <c>FetchStationWindow</c> commands to separately running services over RabbitMQ
/// and waits, reading the store, until every day of the range is stored.
/// </summary>
public static class BackfillCommand
{
    /// <summary>How far behind this machine's clock the extractor's may run for its fetches to count as this backfill's.</summary>
    private static readonly TimeSpan ClockSkewAllowance = TimeSpan.FromSeconds(10);

    /// <summary>From this many commands on, the sending takes long enough to be announced before it starts.</summary>
    internal const int ManyCommands = 1_000;

    public static Command Create()
    {
        var stations = CommonOptions.Stations();
        var from = CommonOptions.From(required: true);
        var to = CommonOptions.To(required: true);
        var chunkDays = CommonOptions.WholeNumber("--chunk-days",
            $"Days per fetch command, 1 to {DayWindows.MaxDaysPerFetch} (default {DayWindows.MaxDaysPerFetch}); smaller chunks spread the work over more extractors.",
            1, DayWindows.MaxDaysPerFetch, $"use 1 to {DayWindows.MaxDaysPerFetch} (a message holds at most {DayWindows.MaxDaysPerFetch} days)");
        var noWait = CommonOptions.NoWait("Send the commands and exit without waiting for the store.");
        var refetch = new Option<bool>("--refetch")
        {
            Description = "Fetch every day again, even those already stored after they ended (by default they are skipped, so an interrupted backfill resumes).",
        };
        var idleTimeout = CommonOptions.IdleTimeout("no new day is stored");
        var db = CommonOptions.Db();
        var mongo = CommonOptions.Mongo(db);
        var rabbitMq = CommonOptions.RabbitMq();

        var command = new Command("backfill", "Fetch a range of days through the running services (RabbitMQ) and wait until it is stored.")
        {
            stations, from, to, chunkDays, noWait, refetch, idleTimeout, db, mongo, rabbitMq,
        };
        CommonOptions.ValidateRange(command, from, to);
        command.SetAction((result, cancellationToken) => RunAsync(new BackfillRequest(result.GetValue(stations) ?? [],
            result.GetValue(from)!.Value, result.GetValue(to)!.Value, result.GetValue(chunkDays) ?? DayWindows.MaxDaysPerFetch, result.GetValue(noWait),
            result.GetValue(refetch), result.GetValue(idleTimeout) ?? CommonOptions.DefaultIdleTimeout,
            CommonOptions.StoreOverrides(result.GetValue(db), result.GetValue(mongo)),
            result.GetValue(rabbitMq)), cancellationToken));
        return command;
    }

    private sealed record BackfillRequest(string[] Stations, DateOnly From, DateOnly To, int ChunkDays, bool NoWait, bool Refetch,
        TimeSpan IdleTimeout, (string, string?)[] Store, Uri? RabbitMq);

    private static async Task<int> RunAsync(BackfillRequest request, CancellationToken cancellationToken)
    {
        var (from, to) = (request.From, request.To);
        var builder = CliHost.CreateBuilder(CommonOptions.StoreDefaults,
            CliHost.Overrides([.. request.Store, CommonOptions.RabbitMqOverride(request.RabbitMq)]));
        var asked = StationSelection.Resolve(builder.Configuration, request.Stations, from, to, TimeProvider.System);
        // The services create the store; a backfill into a store that does not exist would wait at 0 % for ever.
        StoreLocation.RequireExisting(builder.Configuration);
        var broker = BusRegistration.RabbitMqUri(builder.Configuration);
        AnsiConsole.MarkupLineInterpolated($"Broker: RabbitMQ {RabbitMqAddress.Describe(broker)}; store: {StoreLocation.Describe(builder.Configuration)}");

        builder.Services.AddPipelineStoreForReading(builder.Configuration);
        builder.Services.AddStations(builder.Configuration);
        builder.Services.AddSingleton<PipelineFaults>();
        builder.Services.AddHarmattanBus(builder.Configuration, bus =>
            bus.AddConsumer<PipelineFaultConsumer>().Endpoint(CommandEndpoints.OfThisProcess));
        using var host = builder.Build();
        var ours = WatchOnlySent(host.Services.GetRequiredService<PipelineFaults>());
        using var stop = CliHost.StopOnSignal(host, cancellationToken);
        cancellationToken = stop.Token;
        var time = host.Services.GetRequiredService<TimeProvider>();
        var store = host.Services.GetRequiredService<IPipelineStore>();
        await StoreLocation.OpenForReadingAsync(store, cancellationToken);
        // Fails in seconds with one line when the broker is unreachable, before MassTransit retries for a minute.
        await (await RabbitMqAddress.ConnectAsync(broker, "harmattan backfill", cancellationToken)).DisposeAsync();

        var sent = 0;
        List<FetchStationWindow>? commands = null;
        try
        {
            await host.StartAsync(cancellationToken);
            await TimeZoneCheck.WarnOfOtherZonesAsync(store, asked, offerRefetch: !request.Refetch, cancellationToken);
            await TimeZoneCheck.WarnOfUnconfiguredAsync(store, asked,
                [.. StationsOptions.Read(builder.Configuration).Select(s => s.Id)], cancellationToken);
            var plan = await BackfillPlan.CreateAsync(store, asked, request.Refetch, FetchTimeOrder.Now(time), cancellationToken);
            // Fetches asked for before this moment do not count as this backfill's results. The extractor stamps them with
            // its own clock, which on another machine may run a little behind this one's: a fetch asked for in the seconds
            // before is as fresh.
            var startedAt = time.GetUtcNow() - ClockSkewAllowance;
            var endpoint = await host.Services.GetRequiredService<ISendEndpointProvider>()
                .GetSendEndpoint(BusRegistration.CommandAddress(QueueNames.FetchStationWindow, host.Services));
            commands = [.. plan.ToFetch.SelectMany(run => StationSelection.Commands(run, request.ChunkDays, requestedBy: "backfill"))];
            foreach (var fetch in commands)
                ours.Enqueue(fetch);
            if (commands.Count >= ManyCommands)
                // Said before the minutes of sending, so that a mistyped year can be stopped before it is all queued.
                AnsiConsole.MarkupLineInterpolated(
                    $"Sending {commands.Count} fetch commands for {plan.Total - plan.AlreadyStored} station-days ({DayRange.Format(from, to)}, {asked.Count} station(s)); Ctrl-C stops the sending.");
            foreach (var fetch in commands)
            {
                await endpoint.Send(fetch, cancellationToken);
                sent++;
            }
            AnsiConsole.MarkupLineInterpolated(
                $"Sent {sent} fetch command(s) for {plan.Total - plan.AlreadyStored} of {plan.Total} station-days ({DayRange.Format(from, to)}, {asked.Count} station(s)).");
            if (plan.AlreadyStored > 0)
                AnsiConsole.MarkupLineInterpolated(
                    $"{plan.AlreadyStored} day(s) already stored after they ended are skipped (--refetch to fetch them again).");
            if (plan.CutInOtherZone > 0)
                AnsiConsole.MarkupLineInterpolated(
                    $"{plan.CutInOtherZone} day(s) stored cut in another time zone than the station's (Stations:N:TimeZone) are fetched again, to be cut in its zone.");
            if (sent > 0)
                await PipelineConsumers.WarnWithoutConsumersAsync(broker, "harmattan backfill", PipelineConsumers.OfFetches, cancellationToken);
            if (request.NoWait)
                return 0;

            return await WaitAsync(host.Services, plan, startedAt, request.IdleTimeout, sent, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C before the wait, which reports its own stop.
            return CliHost.StoppedWhileSending(sent, commands?.Count, "fetch command", "fetch commands",
                "Those sent are still processed; run the same command again to finish: days already stored are skipped.");
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// Only the failures within the windows this backfill sends end its wait (the readings and averages of a command
    /// keep its window, or a part of it): a fetch of the hourly schedule that fails meanwhile is not the backfill's.
    /// The commands go into the returned queue before they are sent.
    /// </summary>
    internal static ConcurrentQueue<FetchStationWindow> WatchOnlySent(PipelineFaults faults)
    {
        var ours = new ConcurrentQueue<FetchStationWindow>();
        faults.Watches = fault => ours.Any(sent => sent.StationId == fault.StationId
                                                   && sent.WindowStart <= fault.WindowStart && fault.WindowEnd <= sent.WindowEnd);
        return ours;
    }

    /// <summary>
    /// "station A 2026-09-01..2026-09-30 (30 days); station B 2026-09-05", a station's runs of days together, at most
    /// <see cref="MostRunsNamed"/> of them: a year of scattered gaps in two dozen stations would fill the screen.
    /// </summary>
    internal static string MissingAtSourceByStation(IEnumerable<StationDays> runs) =>
        string.Join("; ", runs.GroupBy(run => run.StationId).Select(station =>
        {
            var named = string.Join(", ", station.Take(MostRunsNamed).Select(run => run.DayCount == 1
                ? $"{run.From:yyyy-MM-dd}"
                : $"{DayRange.Format(run.From, run.To)} ({run.DayCount} days)"));
            var rest = station.Skip(MostRunsNamed).ToList();
            return rest.Count == 0
                ? $"station {station.Key} {named}"
                : $"station {station.Key} {named} and {rest.Sum(run => run.DayCount)} more day(s) up to {rest[^1].To:yyyy-MM-dd}";
        }));

    private const int MostRunsNamed = 5;

    /// <summary>
    /// Waits until the days are stored, reading the store. A store that stops answering for the whole idle timeout ends
    /// the wait with a <see cref="CliException"/> naming it and saying that the commands sent are still processed.
    /// </summary>
    /// <param name="sent">The fetch commands sent, which the services go on with whatever the wait does.</param>
    internal static async Task<int> WaitAsync(IServiceProvider services, BackfillPlan plan, DateTimeOffset startedAt,
        TimeSpan idleTimeout, int sent, CancellationToken cancellationToken)
    {
        var total = plan.Total;
        var store = services.GetRequiredService<IPipelineStore>();
        var time = services.GetRequiredService<TimeProvider>();
        var wait = new ProgressWait(services.GetRequiredService<PipelineFaults>(), time);
        var stored = new StoredDayCounts();
        var started = time.GetTimestamp();
        BackfillRate Rate() => new(stored.Stored - plan.AlreadyStored, total - stored.Stored, time.GetElapsedTime(started));

        WaitOutcome outcome;
        try
        {
            outcome = await wait.RunAsync(new WaitPlan(total,
                async ct => (stored = await plan.CountStoredAsync(store, startedAt, ct)).Stored,
                done => $"{done} of {total} days stored ({Rate()})",
                idleTimeout, TimeSpan.FromSeconds(1)), cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // The wait only reads the store: whatever it throws, the store did not answer.
            throw CliException.Failure(
                $"{store.Location} stopped answering while this backfill waited for the days to be stored ({HarmattanCli.Reason(e)}). " +
                $"The {sent} fetch command(s) already sent go on being processed by the services; run the same backfill again to resume: days already stored are skipped.");
        }
        if (outcome == WaitOutcome.Stopped)
        {
            AnsiConsole.MarkupLineInterpolated(
                $"Stopped waiting at {stored.Stored} of {total} days. The commands already sent are still processed; run the same command again to finish: days already stored are skipped.");
            return 130;
        }

        AnsiConsole.MarkupLineInterpolated(
            $"Days stored: {stored.Stored} of {total} — complete {stored.Complete}, incomplete {stored.Incomplete}{stored.RunningNote}, missing at the source {stored.MissingAtSource}{stored.AllRejectedNote}.{stored.KeptNote}");
        if (stored.MissingAtSource > 0)
            AnsiConsole.MarkupLineInterpolated(
                $"Missing at the source (AirQino sent no row for the day): {MissingAtSourceByStation(await plan.MissingAtSourceAsync(store, startedAt, CancellationToken.None))}.");
        // Once every day was asked of the source: before that, a day of another zone may only be waiting for its fetch.
        if (outcome == WaitOutcome.Done && await plan.StillCutInOtherZonesAsync(store, CancellationToken.None) is { Count: > 0 } otherZones)
            AnsiConsole.MarkupLineInterpolated(
                $"[yellow]Still cut in another zone[/]: {string.Join(", ", otherZones.Select(z => $"{Counted.Of(z.Value, "day", "days")} in {z.Key}"))}. AirQino sent no row for them this time (it may no longer serve days that old), so they keep their averages cut that way, and a backfill over them fetches them again each time; `harmattan status` counts them.");
        AnsiConsole.MarkupLineInterpolated(
            $"This run stored {stored.StoredByThisRun(plan.AlreadyStored)} day(s){(stored.Kept > 0 ? $" and kept {stored.Kept} as they were" : "")} in {time.GetElapsedTime(started):hh\\:mm\\:ss}{Rate().SummaryNote}.");
        switch (outcome)
        {
            case WaitOutcome.Faulted:
                await wait.ReportFaultsAsync("Some fetches failed and are in the error queues:", ", then run this command again.");
                AnsiConsole.WriteLine(
                    "This command stopped waiting at the first failure; the other commands are still processed (`harmattan status` shows the days stored).");
                return 1;
            case WaitOutcome.Idle:
                var (held, version) = await plan.HeldFromBeforeAsync(store, startedAt, CancellationToken.None);
                AnsiConsole.MarkupLineInterpolated($"[red]No new day stored for {Durations.Format(idleTimeout)}.[/] {(held > 0
                    ? $"{held} of the days still waiting are stored from an earlier fetch with algorithm v{version}, which the loader keeps over a result of an older algorithm version (it logs those rows as ignored as older): check the transformer's Quality:AlgorithmVersion."
                    : "Are the extractor, transformer and loader running against this RabbitMQ and this store?")}");
                return 1;
            default:
                return 0;
        }
    }
}
