using System.CommandLine;
using System.Runtime.CompilerServices;
using Harmattan.Cli.Operations;
using Harmattan.Cli.Pipeline;
using Harmattan.Contracts;
using Harmattan.Hosting;
using Harmattan.Storage;
using Harmattan.Storage.Archive;
using Harmattan.Transformer;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Spectre.Console;

namespace Harmattan.Cli.Commands;

/// <summary>
/// <c>harmattan replay</c>: re-sends the archived <c>RawReadingsFetched</c> of a range to the transformer, marked as a
/// replay, so the running services recompute the averages with the current algorithm, and waits until they are stored.
/// </summary>
public static class ReplayCommand
{
    public static Command Create()
    {
        var stations = CommonOptions.Stations();
        var from = CommonOptions.From(required: true);
        var to = CommonOptions.To(required: true);
        var noWait = CommonOptions.NoWait("Send the archived fetches and exit without waiting for the store.");
        var idleTimeout = CommonOptions.IdleTimeout("no recomputed fetch arrives");
        var db = CommonOptions.Db();
        var mongo = CommonOptions.Mongo(db);
        var rabbitMq = CommonOptions.RabbitMq();

        var command = new Command("replay",
            "Recompute the averages of a range from the archived raw fetches, through the running services (RabbitMQ).")
        {
            stations, from, to, noWait, idleTimeout, db, mongo, rabbitMq,
        };
        CommonOptions.ValidateRange(command, from, to);
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(stations) ?? [], result.GetValue(from)!.Value,
            result.GetValue(to)!.Value, result.GetValue(noWait), result.GetValue(idleTimeout) ?? CommonOptions.DefaultIdleTimeout,
            CommonOptions.StoreOverrides(result.GetValue(db), result.GetValue(mongo)), result.GetValue(rabbitMq), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string[] stationIds, DateOnly from, DateOnly to, bool noWait, TimeSpan idleTimeout,
        (string, string?)[] storeOverrides, Uri? rabbitMq, CancellationToken cancellationToken)
    {
        var builder = CliHost.CreateBuilder(CommonOptions.StoreDefaults,
            CliHost.Overrides([.. storeOverrides, CommonOptions.RabbitMqOverride(rabbitMq)]));
        // The asked ids, the configured stations and the dates are checked before the store is opened; a station not
        // configured has its days in the zone the store knows for it, so its dates are checked once the store is open.
        var asked = StationSelection.NotConfigured(builder.Configuration, stationIds).Count == 0
            ? StationSelection.Resolve(builder.Configuration, stationIds, from, to, TimeProvider.System)
            : null;
        // The archived fetches are read from the store: a mistyped path must not create an empty one.
        StoreLocation.RequireExisting(builder.Configuration);
        var broker = BusRegistration.RabbitMqUri(builder.Configuration);
        AnsiConsole.MarkupLineInterpolated($"Broker: RabbitMQ {RabbitMqAddress.Describe(broker)}; store: {StoreLocation.Describe(builder.Configuration)}");
        var qualityGiven = QualitySettingsGiven(builder.Configuration);
        if (qualityGiven.Count > 0)
            AnsiConsole.MarkupLineInterpolated(
                $"[yellow]Not used by replay: {string.Join(", ", qualityGiven)}.[/] The running transformer recomputes with its own Quality settings; set them there and restart it.");
        var configuredVersion = int.TryParse(builder.Configuration[$"{QualityOptions.Section}:{nameof(QualityOptions.AlgorithmVersion)}"], out var v)
            ? v
            : (int?)null;

        builder.Services.AddPipelineStoreForReading(builder.Configuration);
        builder.Services.AddStations(builder.Configuration);
        builder.Services.AddSingleton<PipelineFaults>();
        builder.Services.AddSingleton<ReplayProgress>();
        builder.Services.AddHarmattanBus(builder.Configuration, bus =>
        {
            bus.AddConsumer<PipelineFaultConsumer>().Endpoint(CommandEndpoints.OfThisProcess);
            bus.AddConsumer<ReplayedAveragesConsumer>().Endpoint(CommandEndpoints.OfThisProcess);
        });
        using var host = builder.Build();
        WatchOnlyReplayed(host.Services.GetRequiredService<PipelineFaults>(), host.Services.GetRequiredService<ReplayProgress>());
        using var stop = CliHost.StopOnSignal(host, cancellationToken);
        cancellationToken = stop.Token;
        var store = host.Services.GetRequiredService<IPipelineStore>();
        await StoreLocation.OpenForReadingAsync(store, cancellationToken);
        asked ??= await StationSelection.ResolveAsync(builder.Configuration, store, stationIds, from, to, TimeProvider.System,
            cancellationToken);
        await (await RabbitMqAddress.ConnectAsync(broker, "harmattan replay", cancellationToken)).DisposeAsync();

        var sent = 0;
        var sending = true;
        try
        {
            await host.StartAsync(cancellationToken);
            IReadOnlyList<string> leftOut = stationIds.Length == 0 ? await NotConfiguredAsync(store, asked, from, to, cancellationToken) : [];
            if (leftOut.Count > 0)
                AnsiConsole.MarkupLineInterpolated(
                    $"[yellow]Not replayed, as they are not among the configured stations:[/] {string.Join(", ", leftOut)}, whose archive holds fetches of {DayRange.Format(from, to)}. Add --station ID for each to replay it.");

            var progress = host.Services.GetRequiredService<ReplayProgress>();
            var endpoint = await host.Services.GetRequiredService<ISendEndpointProvider>()
                .GetSendEndpoint(BusRegistration.CommandAddress(QueueNames.ComputeAverages, host.Services));
            // Each fetch is sent as it is read, and the results the store already holds are let go as the sending goes
            // on: a replay of years must hold neither their readings nor their averages.
            var daysArchived = asked.ToDictionary(station => station.StationId, station => (Station: station, Days: new HashSet<DateOnly>()),
                StringComparer.Ordinal);
            var readings = 0L;
            await foreach (var fetch in ArchivedFetchesAsync(store, asked,
                               FetchTimeOrder.Now(host.Services.GetRequiredService<TimeProvider>()), cancellationToken))
            {
                progress.Expect([fetch.FetchId]);
                await endpoint.Send(fetch, context => context.Headers.Set(HarmattanHeaders.Replay, true), cancellationToken);
                sent++;
                readings += fetch.Readings.Count;
                var (station, days) = daysArchived[fetch.StationId];
                AddDaysArchived(days, station, fetch);
                if (sent % CheckStoreEvery == 0)
                    await LetGoOfStoredAsync(progress, store, cancellationToken);
            }
            sending = false;
            if (sent == 0)
            {
                if (leftOut.Count > 0)
                    AnsiConsole.MarkupLineInterpolated(
                        $"Nothing to replay for the configured station(s) {string.Join(", ", asked.Select(station => station.StationId))}: the store holds no raw fetch of theirs for {DayRange.Format(from, to)}. To replay the stations named above, add --station ID for each.");
                else
                    AnsiConsole.MarkupLineInterpolated(
                        $"Nothing to replay: the store holds no raw fetch for {DayRange.Format(from, to)} ({asked.Count} station(s)). Run `harmattan backfill` for that range first.");
                // Not a success for a script that replays after a rule change: the wrong store, or the wrong range.
                return 1;
            }

            AnsiConsole.MarkupLineInterpolated(
                $"Replayed {Counted.Of(sent, "archived fetch", "archived fetches")} ({readings} readings) of {asked.Count} station(s) for {DayRange.Format(from, to)} to {QueueNames.ComputeAverages}.");
            var notArchived = asked.SelectMany(station => BackfillPlan.MissingRuns(station, daysArchived[station.StationId].Days)).ToList();
            if (notArchived.Count > 0)
                AnsiConsole.MarkupLineInterpolated(
                    $"Not replayed, as no fetch of theirs is archived: {string.Join(", ", notArchived.Select(run => $"{DayRange.Format(run.From, run.To)} of station {run.StationId}"))}. `harmattan backfill` fetches them.");
            await PipelineConsumers.WarnWithoutConsumersAsync(broker, "harmattan replay", PipelineConsumers.OfReplays, cancellationToken);
            if (noWait)
                return 0;

            return await WaitAsync(host.Services, progress, asked, idleTimeout, configuredVersion, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C before the wait, which reports its own stop. The fetches are read as they are sent: their number is
            // known once all were.
            return CliHost.StoppedWhileSending(sent, sending ? null : sent, "archived fetch", "archived fetches", AfterAStop);
        }
        catch (Exception) when (sending && sent > 0 && !cancellationToken.IsCancellationRequested)
        {
            // A store read failing months into the range: the error follows, and what was sent before it is not lost.
            AnsiConsole.MarkupLineInterpolated($"Stopped by the error below after sending {Counted.Of(sent, "archived fetch", "archived fetches")}. {AfterAStop}");
            throw;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private const string AfterAStop =
        "Those sent are still recomputed; run the same command again to replay them all (a fetch replayed twice changes nothing).";

    /// <summary>How many fetches replay sends between two looks at the store for the results it holds.</summary>
    private const int CheckStoreEvery = 200;

    /// <summary>
    /// Lets go of the results the store holds, while sending. Only memory depends on it: a store that does not answer
    /// now is asked again by the wait, which tells of a store that never does.
    /// </summary>
    private static async Task LetGoOfStoredAsync(ReplayProgress progress, IPipelineStore store, CancellationToken cancellationToken)
    {
        try
        {
            await progress.CheckStoreAsync(store, cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// The stations not asked (not configured: removed from <c>Stations</c>, or only ever backfilled by id) with an
    /// archived fetch of a day of the range, in the zone it was cut in. Without <c>--station</c> replay covers the
    /// configured stations only; after a rule change the others would otherwise keep the old averages unnoticed.
    /// </summary>
    internal static async Task<IReadOnlyList<string>> NotConfiguredAsync(IPipelineStore store, IReadOnlyList<StationDays> asked,
        DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var leftOut = new List<string>();
        var rangeInZone = new Dictionary<string, UtcWindow>(StringComparer.Ordinal);
        foreach (var stationId in (await store.GetArchivedStationIdsAsync(cancellationToken)).Except(asked.Select(s => s.StationId)))
        {
            var fetches = await store.GetArchivedFetchesAsync(stationId, cancellationToken);
            if (fetches.Any(fetch => RangeIn(fetch.TimeZone).Overlaps(fetch.WindowStart, fetch.WindowEnd)))
                leftOut.Add(stationId);
        }
        return leftOut;

        UtcWindow RangeIn(string zoneId)
        {
            if (!rangeInZone.TryGetValue(zoneId, out var range))
                rangeInZone[zoneId] = range = DayWindows.ForDays(from, to,
                    StationsOptions.TryFindTimeZone(zoneId, out var zone) ? zone : TimeZoneInfo.Utc);
            return range;
        }
    }

    /// <summary>
    /// Adds to <paramref name="covered"/> the days of <paramref name="station"/> that a replayed fetch's window covers, in
    /// the zone the fetch was cut in (as <see cref="CutToDays"/> cuts it): a station whose zone changed since has its
    /// earlier days in the old one.
    /// </summary>
    internal static void AddDaysArchived(HashSet<DateOnly> covered, StationDays station, RawReadingsFetched fetch)
    {
        var zone = StationsOptions.TryFindTimeZone(fetch.TimeZone, out var cutIn) ? cutIn : station.TimeZone;
        var (first, last) = DayWindows.DaysOf(fetch.WindowStart, fetch.WindowEnd, zone);
        for (var day = first; day <= last; day = day.AddDays(1))
            covered.Add(day);
    }

    /// <summary>
    /// The newest archived fetch of each window that overlaps the range (in <paramref name="order"/>, the stores'), the
    /// fetches the stored days of the range were computed from, and the newest fetch with rows for each day stored
    /// without, cut to the days of the range. An older fetch of the same window can never win over the newer one (same
    /// algorithm, older fetch time), so re-sending it would only cost work, unless a stored day still holds its averages
    /// because the newer fetch sent no row for that day, or a day is stored without the rows an older fetch has (stored so
    /// before a day with rows replaced one without in either order, or whose fetch with rows was never loaded). Fetches of
    /// other windows covering the same days are all sent and the loader keeps the newest per day.
    /// </summary>
    /// <remarks>
    /// The archived fetches are read <see cref="DaysPerRead"/> days of a station at a time, so that the readings held do
    /// not grow with the range (its stored days, a small row each, are read whole). Each read reaches
    /// <see cref="ZoneMargin"/> further on either side: a stored day and its fetches may have been cut in another zone
    /// than the station's now. Every fetch of a window is in each read that reaches it, so the newest of a window is
    /// the same in all of them; a fetch read twice is sent once.
    /// </remarks>
    internal static async IAsyncEnumerable<RawReadingsFetched> ArchivedFetchesAsync(IPipelineStore store,
        IReadOnlyList<StationDays> asked, FetchTimeOrder order, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var station in asked)
        {
            var sent = new HashSet<Guid>();
            // Read whole before the station's first fetch is sent: the loader rewrites these days while the next months
            // are read, and the fetches they were stored from, which may have to be sent, would be lost from sight.
            var storedAll = await store.GetDailyAveragesAsync(station.StationId, station.From, station.To, cancellationToken);
            var neighbours = await StoredNeighboursAsync(store, station, storedAll, cancellationToken);
            for (var from = station.From; from <= station.To; from = from.AddDays(DaysPerRead))
            {
                var to = from.AddDays(DaysPerRead - 1) < station.To ? from.AddDays(DaysPerRead - 1) : station.To;
                var range = DayWindows.ForDays(from, to, station.TimeZone);
                var archived = await store.GetRawFetchesAsync(station.StationId, range.Start - ZoneMargin, range.End + ZoneMargin,
                    cancellationToken);
                var storedDays = storedAll.Where(day => day.Date >= from && day.Date <= to).ToList();
                var needed = storedDays.Select(day => day.SourceFetchId).ToHashSet();
                foreach (var day in storedDays.Where(day => day.Coverage == DayCoverage.MissingAtSource))
                    if (ArchiveRetention.NewestWithRowsIn(archived, DayWindows.ForDays(day.Date, day.Date, ZoneOf(day, station)), order) is { } withRows)
                        needed.Add(withRows.FetchId);
                var newest = ArchiveRetention.NewestPerWindow(archived, order).ToList();
                foreach (var fetch in newest.Concat(archived.Where(f => needed.Contains(f.FetchId))))
                    if (sent.Add(fetch.FetchId) && CutToDays(fetch, station, needed.Contains(fetch.FetchId) ? null : neighbours) is { } cut)
                        yield return cut;
            }
        }
    }

    /// <summary>How many days of a station <see cref="ArchivedFetchesAsync"/> reads at once, a month of readings.</summary>
    internal const int DaysPerRead = 31;

    /// <summary>The most two zones' days can lie apart (UTC-12 to UTC+14), and a day more.</summary>
    private static readonly TimeSpan ZoneMargin = TimeSpan.FromDays(2);

    /// <summary>The zone a stored day was cut in, else the station's.</summary>
    private static TimeZoneInfo ZoneOf(StoredDailyAverage day, StationDays station) =>
        day.TimeZone is { } id && StationsOptions.TryFindTimeZone(id, out var zone) ? zone : station.TimeZone;

    /// <summary>
    /// The stored days just outside a station's asked range, by the instants their hours end and begin, each in the zone
    /// it was cut in; and the zones of the stored days of the range.
    /// </summary>
    private sealed class StoredNeighbours
    {
        /// <summary>Where the stored days before the range end (the latest), or null.</summary>
        public DateTimeOffset? BeforeEnds { get; init; }

        /// <summary>Where the stored days after the range begin (the earliest), or null.</summary>
        public DateTimeOffset? AfterBegins { get; init; }

        public required IReadOnlyDictionary<DateOnly, string?> StoredZones { get; init; }
    }

    private static async Task<StoredNeighbours> StoredNeighboursAsync(IPipelineStore store, StationDays station,
        IReadOnlyList<StoredDailyAverage> storedInRange, CancellationToken cancellationToken)
    {
        // Two days on either side: two zones' days lie at most a day apart.
        var before = await store.GetDailyAveragesAsync(station.StationId, station.From.AddDays(-2), station.From.AddDays(-1), cancellationToken);
        var after = await store.GetDailyAveragesAsync(station.StationId, station.To.AddDays(1), station.To.AddDays(2), cancellationToken);
        return new StoredNeighbours
        {
            BeforeEnds = before.Count == 0 ? null : before.Max(day => DayWindows.StartOfDay(day.Date.AddDays(1), ZoneOf(day, station))),
            AfterBegins = after.Count == 0 ? null : after.Min(day => DayWindows.StartOfDay(day.Date, ZoneOf(day, station))),
            StoredZones = storedInRange.ToDictionary(day => day.Date, day => day.TimeZone),
        };
    }

    /// <summary>
    /// The part of <paramref name="fetch"/> inside the asked days, cut in the fetch's own zone so that it stays whole
    /// days. A day outside the range may have a newer fetch that the range does not reach: recomputed from this one
    /// with a raised algorithm version, it would replace that newer fetch's averages with older data. For the same
    /// reason, after a change of the station's zone, a day at either end of the cut that is stored in the other zone (by
    /// a newer fetch, sent as well) is left out when its hours reach into a stored day outside the range
    /// (<paramref name="neighbours"/>; null for a fetch a stored day needs, which is sent whole).
    /// </summary>
    private static RawReadingsFetched? CutToDays(RawReadingsFetched fetch, StationDays station, StoredNeighbours? neighbours)
    {
        // A zone that cannot be found fails in the transformer, which names it; sent whole, that error reaches the user,
        // but only for a fetch that reaches the asked days in the station's zone: the reads reach further.
        if (!StationsOptions.TryFindTimeZone(fetch.TimeZone, out var zone))
            return DayWindows.ForDays(station.From, station.To, station.TimeZone).Overlaps(fetch.WindowStart, fetch.WindowEnd) ? fetch : null;
        var range = DayWindows.ForDays(station.From, station.To, zone);
        var start = fetch.WindowStart > range.Start ? fetch.WindowStart : range.Start;
        var end = fetch.WindowEnd < range.End ? fetch.WindowEnd : range.End;
        if (start >= end)
            return null;
        if (neighbours is not null)
        {
            var (first, last) = DayWindows.DaysOf(start, end, zone);
            bool StoredInAnotherZone(DateOnly day) =>
                neighbours.StoredZones.TryGetValue(day, out var stored) && stored is not null && stored != fetch.TimeZone;
            while (first <= last && StoredInAnotherZone(first) && DayWindows.StartOfDay(first, zone) < neighbours.BeforeEnds)
                first = first.AddDays(1);
            while (last >= first && StoredInAnotherZone(last) && DayWindows.StartOfDay(last.AddDays(1), zone) > neighbours.AfterBegins)
                last = last.AddDays(-1);
            if (first > last)
                return null;
            (start, end) = (DayWindows.StartOfDay(first, zone), DayWindows.StartOfDay(last.AddDays(1), zone));
        }
        if (start == fetch.WindowStart && end == fetch.WindowEnd)
            return fetch;
        return fetch with
        {
            WindowStart = start,
            WindowEnd = end,
            Readings = [.. fetch.Readings.Where(r => r.Hour >= start && r.Hour < end)],
        };
    }

    /// <summary>
    /// Only the failures of the replayed fetches end the wait: a fetch of the hourly schedule that fails meanwhile (AirQino
    /// down) is not this replay's, and the fetches it re-sent go on being recomputed.
    /// </summary>
    internal static void WatchOnlyReplayed(PipelineFaults faults, ReplayProgress progress) =>
        faults.Watches = fault => fault.FetchId is { } fetchId && progress.IsExpected(fetchId);

    /// <summary>
    /// The Quality settings this command was given (environment, appsettings). The transformer computes the averages,
    /// so they change nothing here; a team that set them for the replay believes the new rules apply.
    /// </summary>
    internal static IReadOnlyList<string> QualitySettingsGiven(IConfiguration configuration) =>
        [.. configuration.GetSection(QualityOptions.Section).AsEnumerable().Where(e => e.Value is not null)
            .Select(e => $"{e.Key}={e.Value}").Order(StringComparer.Ordinal)];

    /// <summary>
    /// "Recomputed 3 of 3 fetches (algorithm v2); the store holds the figures of 3.": not "stored", as with the same
    /// version and rules the store already holds the same figures, and the result counts before the loader writes it (a
    /// loader that is down included). A fetch some of whose days the store keeps at a newer version is held in part, and
    /// said so, not left out of the count as if nothing of it were stored.
    /// </summary>
    internal static string Summary(int computed, int expected, IReadOnlyList<string> versions, int stored, int storedButHeld) =>
        $"Recomputed {computed} of {expected} fetches{(versions.Count > 0 ? $" (algorithm {string.Join(", ", versions)})" : "")}; " +
        $"the store holds the figures of {stored - storedButHeld}" +
        (storedButHeld > 0 ? $", and of {storedButHeld} in part (days of theirs held at a newer version, below)." : ".");

    /// <summary>
    /// Why days the store holds at a newer algorithm version were not replaced, and what to do. Results of several
    /// versions come from transformers of different Quality:AlgorithmVersion on the same queue (a rolling upgrade):
    /// raising "the transformer's" version would not say which one to raise, so the mix is named instead.
    /// </summary>
    internal static (string Problem, string Remedy) NotReplaced(int days, int heldAtVersion, IReadOnlyList<int> computedWith)
    {
        var them = days == 1 ? "it" : "them";
        var notReplaced = $"{Counted.Of(days, "day was", "days were")} not replaced: the store holds {them} at algorithm v{heldAtVersion}";
        const string NeverOverwritten = "the loader never lets an older algorithm version overwrite a newer one.";
        if (computedWith.Count <= 1)
            return ($"{notReplaced}, newer than the transformer's {Versions(computedWith)}, and {NeverOverwritten}",
                $"To recompute {them}, raise Quality:AlgorithmVersion on the transformer above v{heldAtVersion}, restart it and replay again.");
        var older = computedWith.Where(version => version < heldAtVersion).ToList();
        var raiseToo = computedWith.Max() < heldAtVersion
            ? $", raise Quality:AlgorithmVersion above v{heldAtVersion} on the transformers that remain, restart them"
            : "";
        return ($"{notReplaced}, newer than this replay's results of {Versions(older)}, and {NeverOverwritten}",
            $"Transformers of different Quality:AlgorithmVersion ({Versions(computedWith)}) consumed this replay: stop the older ones (or finish the rollout){raiseToo} and replay again.");
    }

    private static string Versions(IEnumerable<int> versions) => string.Join(", ", versions.Select(version => $"v{version}"));

    /// <summary>The warning when the transformer computed with another algorithm version than this command was given.</summary>
    internal static string? VersionMismatch(int? configured, IReadOnlyCollection<int> computed) =>
        configured is { } version && computed.Any(c => c != version)
            ? $"The transformer computed with algorithm {string.Join(", ", computed.Distinct().Order().Select(c => $"v{c}"))}, not the v{version} this command was given (Quality:AlgorithmVersion): the stored averages are the running transformer's. Restart it with the new Quality settings and replay again."
            : null;

    private static async Task<int> WaitAsync(IServiceProvider services, ReplayProgress progress, IReadOnlyList<StationDays> asked,
        TimeSpan idleTimeout, int? configuredVersion, CancellationToken cancellationToken)
    {
        var store = services.GetRequiredService<IPipelineStore>();
        var wait = new ProgressWait(services.GetRequiredService<PipelineFaults>(), services.GetRequiredService<TimeProvider>());
        var outcome = await wait.RunAsync(new WaitPlan(progress.Expected,
            async ct =>
            {
                await progress.CheckStoreAsync(store, ct);
                return progress.Stored;
            },
            done => $"{done} of {progress.Expected} fetches recomputed, their figures in the store",
            idleTimeout, TimeSpan.FromMilliseconds(500)), cancellationToken);
        if (outcome == WaitOutcome.Stopped)
        {
            AnsiConsole.MarkupLineInterpolated(
                $"Stopped waiting at {progress.Stored} of {progress.Expected} fetches. The replayed fetches are still processed.");
            return 130;
        }

        var versions = progress.AlgorithmVersions.Select(v => $"v{v}").ToList();
        var held = await progress.HeldByNewerVersionAsync(store, cancellationToken);
        AnsiConsole.MarkupLineInterpolated($"{Summary(progress.Computed, progress.Expected, versions, progress.Stored, progress.StoredButHeld)}");
        if (held.Days > 0)
        {
            var (problem, remedy) = NotReplaced(held.Days, held.AlgorithmVersion, progress.AlgorithmVersions);
            AnsiConsole.MarkupLineInterpolated($"[red]{problem}[/] {remedy}");
        }
        var stored = new Dictionary<int, int>();
        foreach (var station in asked)
            foreach (var day in await store.GetDailyAveragesAsync(station.StationId, station.From, station.To, cancellationToken))
                stored[day.AlgorithmVersion] = stored.GetValueOrDefault(day.AlgorithmVersion) + 1;
        AnsiConsole.MarkupLineInterpolated(
            $"Days stored by algorithm version: {string.Join(", ", stored.OrderBy(e => e.Key).Select(e => $"v{e.Key}: {e.Value}"))}.");
        var mismatch = VersionMismatch(configuredVersion, progress.AlgorithmVersions);
        if (mismatch is not null)
            AnsiConsole.MarkupLineInterpolated($"[red]{mismatch}[/]");

        switch (outcome)
        {
            case WaitOutcome.Faulted:
                await wait.ReportFaultsAsync("Some replayed fetches failed and are in the error queues:", ".");
                return 1;
            case WaitOutcome.Idle:
                AnsiConsole.MarkupLineInterpolated(
                    $"[red]No replayed fetch was recomputed and stored for {Durations.Format(idleTimeout)}.[/] Are the transformer and loader running against this RabbitMQ and this store?");
                return 1;
            default:
                return held.Days > 0 || mismatch is not null ? 1 : 0;
        }
    }
}
