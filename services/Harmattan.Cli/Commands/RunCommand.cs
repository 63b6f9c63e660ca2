using System.CommandLine;
using System.Globalization;
using Harmattan.AirQinoSimulator;
using Harmattan.Cli.Pipeline;
using Harmattan.Contracts;
using Harmattan.Extractor;
using Harmattan.Extractor.Scheduling;
using Harmattan.Hosting;
using Harmattan.Loader;
using Harmattan.Stations;
using Harmattan.Storage;
using Harmattan.Transformer;
using MassTransit;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace Harmattan.Cli.Commands;

/// <summary>
/// <c>harmattan run</c>: the three services in one process on the in-memory bus with the SQLite store.
/// </summary>
public static class RunCommand
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);

    public static Command Create()
    {
        var once = new Option<bool>("--once") { Description = "Run one pass, wait until it is stored, print the daily averages and exit." };
        var stations = CommonOptions.Stations();
        var from = CommonOptions.From();
        var to = CommonOptions.To();
        var airQinoUrl = new Option<string?>("--airqino-url") { Description = "AirQino API root (default: AirQino__BaseUrl or https://airqino-api.magentalab.it)." };
        airQinoUrl.Validators.Add(r =>
        {
            var text = r.GetValueOrDefault<string?>();
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                r.AddError($"--airqino-url: '{text}' is not an absolute http(s) URL; use e.g. https://airqino-api.magentalab.it");
            else if (AirQinoOptions.NamesTheApiVersion(uri))
                r.AddError($"--airqino-url: '{text}' ends in the API version, which harmattan adds itself (/v3/getStationHourlyAvg/ID): use {AirQinoOptions.RootOf(uri)}");
        });
        var db = CommonOptions.Db();
        var mongo = CommonOptions.Mongo(db);
        var simulate = new Option<bool>("--simulate")
        {
            Description = "Serve simulated data from an in-process AirQino simulator (no network, no credentials), stored in " +
                $"{CommonOptions.SimulatedStoreFile} unless --db names the store; with --mongo, in database {CommonOptions.SimulatedMongoDatabase}.",
        };
        var timeout = CommonOptions.Duration("--timeout",
            $"Give up when nothing is stored for this long ({Durations.Examples}; default {Durations.Format(DefaultTimeout)}).");
        var verbose = CommonOptions.Verbose();

        var command = new Command("run", "Extract, average and store in one process (in-memory bus; SQLite store, or MongoDB with --mongo).")
        {
            once, stations, from, to, airQinoUrl, db, mongo, simulate, timeout, verbose,
        };
        CommonOptions.ValidateRange(command, from, to);
        command.Validators.Add(result =>
        {
            // Each names the AirQino to fetch from; --simulate's would win without a word.
            if (result.GetValue(simulate) && result.GetResult(airQinoUrl) is { Implicit: false })
                result.AddError("--simulate and --airqino-url name two AirQino servers: drop --airqino-url to fetch simulated data, or --simulate " +
                    "to fetch from the URL (the simulator host's, to serve recordings).");
        });
        command.SetAction((result, cancellationToken) => RunAsync(new RunRequest(
            result.GetValue(once), result.GetValue(stations) ?? [], result.GetValue(from), result.GetValue(to),
            result.GetValue(airQinoUrl), result.GetValue(db), result.GetValue(mongo), result.GetValue(simulate), result.GetValue(timeout) ?? DefaultTimeout,
            result.GetValue(verbose)), cancellationToken));
        return command;
    }

    private sealed record RunRequest(bool Once, string[] Stations, DateOnly? From, DateOnly? To, string? AirQinoUrl,
        FileInfo? Db, string? Mongo, bool Simulate, TimeSpan Timeout, bool Verbose);

    public const long RunMaxResponseBytes = 64L * 1024 * 1024;

    /// <summary>
    /// The most days one request of <c>run</c> asks for: a source answers a bounded range (the simulator 3,660 days), and
    /// decades of one station in one answer would pass <see cref="RunMaxResponseBytes"/>.
    /// </summary>
    public const int MaxDaysPerRequest = 366;

    private static async Task<int> RunAsync(RunRequest request, CancellationToken cancellationToken)
    {
        var defaults = new Dictionary<string, string?>(CommonOptions.StoreDefaults)
        {
            ["Bus:Transport"] = "InMemory",
            // What the AirQino client retried (statuses, timeouts, the network) the fetch endpoint never retries again, so
            // these retries only ask again after a body cut short or unreadable, as the services do, and ride out a store
            // briefly locked; few and short, so that a source that keeps failing still fails the run within seconds.
            ["Bus:RetryLimit"] = "3",
            ["Bus:RetryMaxInterval"] = "00:00:02",
            // Ctrl-C should end an interactive run within seconds.
            ["Bus:StopTimeout"] = "00:00:05",
            // run asks for a station's range a year at a time (a year of one station is 1.4 MB), and the CLI has no heap
            // limit of its own.
            ["AirQino:MaxResponseBytes"] = RunMaxResponseBytes.ToString(CultureInfo.InvariantCulture),
        };
        // Simulated averages go where the command line says, or to a file of their own: never, by default or through the
        // environment, into the store of real ones. On MongoDB --mongo names the server only: the services' database
        // (Storage:MongoDatabase, or its default) would take them.
        var simulatedFile = request is { Simulate: true, Db: null, Mongo: null } ? new FileInfo(CommonOptions.SimulatedStoreFile) : null;
        (string, string?)[] store = [.. CommonOptions.StoreOverrides(request.Db ?? simulatedFile, request.Mongo),
            ("Storage:MongoDatabase", request is { Simulate: true, Mongo: not null } ? CommonOptions.SimulatedMongoDatabase : null)];
        var builder = CliHost.CreateBuilder(defaults, CliHost.Overrides([
            .. store, ("AirQino:BaseUrl", request.AirQinoUrl),
            // Without --once the services keep running and the extractor's schedule fetches every hour.
            ("Schedule:Enabled", request.Once ? "false" : null), ("Schedule:RunAtStart", request.Once ? "false" : null)]), request.Verbose);
        // On the broker, run's services would take the running services' messages, and they run's (simulated ones too): a
        // transport set for the services, in an environment run inherits, is not used.
        // (A value that is no transport is still refused, as the services refuse it.)
        if (builder.Configuration["Bus:Transport"] is { } transport && string.Equals(transport, "RabbitMq", StringComparison.OrdinalIgnoreCase))
        {
            var variable = EnvironmentVariables.Of("Bus:Transport");
            AnsiConsole.MarkupLineInterpolated(
                $"[yellow]Bus:Transport={transport}{(Environment.GetEnvironmentVariable(variable) is null ? "" : $" ({variable})")} is not used[/]: harmattan run runs the pipeline in one process on its own in-memory bus, and leaves the services' queues to them.");
            builder.Configuration["Bus:Transport"] = "InMemory";
        }
        // Checked before anything starts, so that a day in the future stores nothing.
        StoreLocation.RequireWritableSqliteOrNothing(builder.Configuration);
        var asked = StationSelection.Resolve(builder.Configuration, request.Stations, request.From, request.To, TimeProvider.System);
        // Left running, the schedule fetches the stations given, as the first pass did: the configuration's others are not
        // served by --simulate's simulator, and they were not asked for.
        if (request.Stations.Length > 0)
            builder.Services.PostConfigure<StationsOptions>(options => options.Stations =
                [.. asked.Select(s => options.Stations.FirstOrDefault(c => c.Id == s.StationId) ?? new StationConfig { Id = s.StationId, TimeZone = s.TimeZone.Id })]);

        await using var simulator = request.Simulate
            ? await AirQinoSimulatorHost.StartAsync(new SimulatorOptions { StationIds = [.. asked.Select(s => s.StationId)] }, cancellationToken)
            : null;
        if (simulator is not null)
            builder.Configuration["AirQino:BaseUrl"] = simulator.BaseUrl;

        builder.Services.AddExtractor(builder.Configuration);
        builder.Services.AddTransformer(builder.Configuration);
        builder.Services.AddLoader(builder.Configuration);
        builder.Services.AddSingleton<PipelineFaults>();
        builder.Services.AddSingleton<ReceiveActivity>();
        builder.Services.AddHarmattanBus(builder.Configuration, bus =>
        {
            bus.AddExtractorConsumers();
            bus.AddTransformerConsumers();
            bus.AddLoaderConsumers();
            bus.AddConsumer<PipelineFaultConsumer>();
            bus.AddReceiveObserver<ReceiveActivity>();
        }, allServicesInThisProcess: true);

        using var host = builder.Build();
        var storeSchema = host.Services.GetRequiredService<StoreSchemaWatch>();
        using var stop = CliHost.StopOnSignal(host, cancellationToken);
        cancellationToken = stop.Token;
        var time = host.Services.GetRequiredService<TimeProvider>();
        AnsiConsole.MarkupLineInterpolated($"Store: {StoreLocation.Describe(builder.Configuration)}");
        await host.StartAsync(cancellationToken);
        // Told once the settings are checked (on start): a setting refused is the only thing a refused run says.
        if (simulator is not null)
            AnsiConsole.MarkupLineInterpolated(
                $"[yellow]SIMULATED DATA[/]: synthetic AirQino readings served by an in-process simulator at {simulator.BaseUrl}; these are not real measurements.");
        await TimeZoneCheck.WarnOfOtherZonesAsync(host.Services.GetRequiredService<IPipelineStore>(), asked, offerRefetch: false, cancellationToken);

        var startedAt = time.GetUtcNow();
        var endpoint = await host.Services.GetRequiredService<ISendEndpointProvider>()
            .GetSendEndpoint(BusRegistration.CommandAddress(QueueNames.FetchStationWindow, host.Services));
        var pass = await WaitForPassAsync(host.Services, endpoint, asked, startedAt, request.Timeout, cancellationToken);
        if (pass.Outcome != WaitOutcome.Done || request.Once)
        {
            // Stopped before the summary, so that nothing the services log comes after it; and counted again, as the
            // services store the messages they hold while they stop.
            await host.StopAsync(CancellationToken.None);
            ThrowIfStoreUpgraded(storeSchema);
            pass = pass with { Stored = await pass.Tracker.CountAsync(CancellationToken.None) };
            return await ReportAsync(pass, host.Services, asked, simulator is not null, request.Timeout);
        }

        var outcome = await ReportAsync(pass, host.Services, asked, simulator is not null, request.Timeout);
        // The pass is reported; the schedule's failures go to the log and the error queues, and kept here they would
        // grow by a station an hour for as long as the services run.
        host.Services.GetRequiredService<PipelineFaults>().Watches = _ => false;
        var schedule = host.Services.GetRequiredService<IOptions<ScheduleOptions>>().Value;
        if (schedule.Enabled)
            AnsiConsole.MarkupLineInterpolated(
                $"Services running, fetching the last {schedule.LookbackDays} day(s) on schedule '{schedule.Cron}' (UTC); press Ctrl-C to stop.");
        else
            AnsiConsole.MarkupLine("Services running (Schedule:Enabled is false: no hourly fetch); press Ctrl-C to stop.");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
        await host.StopAsync(CancellationToken.None);
        ThrowIfStoreUpgraded(storeSchema);
        return outcome;
    }

    /// <summary>
    /// A newer version upgraded the store while the services ran, and the loader stopped them: the run ends as it would
    /// have had the store been newer at start (exit code 2, the same words), not as if it had been interrupted.
    /// </summary>
    private static void ThrowIfStoreUpgraded(StoreSchemaWatch storeSchema)
    {
        if (storeSchema.Refusal is { } refusal)
            throw refusal;
    }

    private sealed record Pass(WaitOutcome Outcome, StoredDayCounts Stored, int Total, StoredDaysTracker Tracker);

    private static async Task<Pass> WaitForPassAsync(IServiceProvider services, ISendEndpoint fetchEndpoint,
        IReadOnlyList<StationDays> asked, DateTimeOffset startedAt, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var store = services.GetRequiredService<IPipelineStore>();
        var activity = services.GetRequiredService<ReceiveActivity>();
        var faults = services.GetRequiredService<PipelineFaults>();
        var wait = new ProgressWait(faults, services.GetRequiredService<TimeProvider>());
        var total = asked.Sum(s => s.DayCount);
        var stored = new StoredDayCounts();

        // Done when every station has all its days stored by this pass or has failed, and the remaining messages (the
        // raw archive) are consumed: one station's failure does not hide how the others went.
        var tracker = new StoredDaysTracker(store, asked, startedAt);
        var fetches = new PacedFetches(asked, tracker, faults,
            (part, ct) => fetchEndpoint.Send(StationSelection.Command(part, requestedBy: "run"), ct), daysPerSend: MaxDaysPerRequest);
        var outcome = await wait.RunAsync(new WaitPlan(total,
            async ct =>
            {
                stored = await tracker.CountAsync(ct);
                await fetches.SendMoreAsync(ct);
                return stored.Stored;
            },
            done => $"{done} of {total} days stored",
            timeout, TimeSpan.FromMilliseconds(total > 1000 ? 1000 : 100),
            _ => asked.All(s => tracker.IsFinished(s.StationId) || faults.HasFailed(s.StationId))
                 && activity.IsQuietFor(TimeSpan.FromMilliseconds(500)),
            StopAtFirstFault: false), cancellationToken);
        return new Pass(outcome, stored, total, tracker);
    }

    private static async Task<int> ReportAsync(Pass pass, IServiceProvider services, IReadOnlyList<StationDays> asked,
        bool simulated, TimeSpan timeout)
    {
        var stored = pass.Stored;
        switch (pass.Outcome)
        {
            case WaitOutcome.Stopped:
                AnsiConsole.MarkupLineInterpolated($"Stopped at {stored.Stored} of {pass.Total} days; what is stored stays stored.");
                return 130;
            case WaitOutcome.Idle:
                AnsiConsole.MarkupLineInterpolated(
                    $"[red]Gave up: nothing was stored for {Durations.Format(timeout)}[/] ({stored.Stored} of {pass.Total} days stored). Rerun with a longer --timeout or --verbose to see the services' logs.");
                return 1;
            case WaitOutcome.Faulted:
                var faults = services.GetRequiredService<PipelineFaults>();
                AnsiConsole.MarkupLine("[red]The run failed:[/]");
                // The failed stations first and the others that stored every day on one line: among two dozen, a mistyped
                // id would otherwise be one line at the end of a list of stations that are fine.
                var allStored = asked.Where(s => !faults.HasFailed(s.StationId) && pass.Tracker.Of(s.StationId).Stored == s.DayCount).ToList();
                foreach (var station in asked.Except(allStored))
                {
                    // Unwrapped on stderr: a reason holds a URL and the fix.
                    if (faults.All.FirstOrDefault(f => f.StationId == station.StationId) is { } fault)
                        await Console.Error.WriteLineAsync($"  station {station.StationId}: {fault}");
                    else
                        AnsiConsole.MarkupLineInterpolated(
                            $"  station {station.StationId}: stored {pass.Tracker.Of(station.StationId).Stored} of {station.DayCount} days");
                }
                if (allStored.Count > 0)
                    AnsiConsole.MarkupLineInterpolated(
                        $"  {(allStored.Count == 1 ? $"station {allStored[0].StationId}" : $"the other {allStored.Count} stations")}: every day stored");
                // A failure of a station the run was not asked for (a hand-sent command) would otherwise fail it unsaid.
                foreach (var fault in faults.All.Where(f => asked.All(s => s.StationId != f.StationId)).DistinctBy(f => f.StationId))
                    await Console.Error.WriteLineAsync($"  station {fault.StationId}: {fault}");
                // Where AirQino answered (an error status, a body too large or unusable) or some station's days were
                // stored, the network is not the cause: the failures' own reasons say what is wrong.
                if (faults.All.All(f => f.AirQinoFailure == AirQinoFailureKind.NotReached) && asked.All(s => pass.Tracker.Of(s.StationId).Stored == 0))
                    AnsiConsole.MarkupLine(
                        "No network or no access to AirQino? --simulate serves simulated data; --airqino-url points to another AirQino server.");
                return 1;
        }
        AnsiConsole.MarkupLineInterpolated(
            $"Stored {Counted.Of(stored.Stored, "day", "days")}: {stored.Complete} complete, {stored.Incomplete} incomplete{stored.RunningNote}, {stored.MissingAtSource} with no data at the source{stored.AllRejectedNote}.{stored.KeptNote}");
        await PrintDailyTablesAsync(services.GetRequiredService<IPipelineStore>(), asked, simulated, CancellationToken.None);
        return 0;
    }

    /// <summary>
    /// The days of a long run are printed in tables of at most this many rows: Spectre lays a table out whole, and the
    /// single table of a year of a hundred stations took the run's resident set from about 260 MB to 340.
    /// </summary>
    internal const int DaysPerTable = 1000;

    private static async Task PrintDailyTablesAsync(IPipelineStore store, IReadOnlyList<StationDays> asked, bool simulated,
        CancellationToken cancellationToken)
    {
        var table = DailyTable(simulated);
        foreach (var station in asked)
            foreach (var day in await store.GetDailyAveragesAsync(station.StationId, station.From, station.To, cancellationToken))
            {
                if (table.Rows.Count == DaysPerTable)
                {
                    AnsiConsole.Write(table);
                    table = DailyTable(simulated);
                }
                table.AddRow(day.StationId, day.Date.ToString("yyyy-MM-dd"), Mean(day, QuantityNames.Co), Mean(day, QuantityNames.Pm2_5),
                    $"{day.HoursCovered}/{day.HoursInDay}", day.IsComplete ? "yes" : station.IsRunning(day) ? "running" : "no");
            }
        AnsiConsole.Write(table);
    }

    private static Table DailyTable(bool simulated)
    {
        var table = new Table().AddColumns("station", "day", "CO mean (mg/m³)", "PM2.5 mean (µg/m³)", "hours", "complete");
        return simulated ? table.Caption("[yellow]simulated data[/]") : table;
    }

    private static string Mean(StoredDailyAverage day, string quantity) =>
        day.Quantities.TryGetValue(quantity, out var stats) && stats.Mean is { } mean ? mean.ToString("0.###") : "-";
}
