using System.CommandLine;
using Harmattan.AirQinoSimulator;
using Harmattan.Cli.Pipeline;
using Harmattan.Contracts;
using Harmattan.Extractor;
using Harmattan.Extractor.Scheduling;
using Harmattan.Hosting;
using Harmattan.Loader;
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
    public static Command Create()
    {
        var once = new Option<bool>("--once") { Description = "Run one pass, wait until it is stored, print the daily averages and exit." };
        var stations = CommonOptions.Stations();
        var from = CommonOptions.From();
        var to = CommonOptions.To();
        var airQinoUrl = new Option<string?>("--airqino-url") { Description = "AirQino API root (default: AirQino__BaseUrl or https://airqino-api.magentalab.it)." };
        airQinoUrl.Validators.Add(r =>
        {
            if (!Uri.TryCreate(r.GetValueOrDefault<string?>(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                r.AddError("--airqino-url must be an absolute http(s) URL, e.g. https://airqino-api.magentalab.it");
        });
        var db = CommonOptions.Db();
        var mongo = CommonOptions.Mongo(db);
        var simulate = new Option<bool>("--simulate") { Description = "Serve simulated data from an in-process AirQino simulator (no network, no credentials)." };
        var timeout = new Option<TimeSpan>("--timeout")
        {
            Description = "Give up when nothing is stored for this long (default 00:10:00).",
            DefaultValueFactory = _ => TimeSpan.FromMinutes(10),
        };

        var command = new Command("run", "Extract, average and store in one process (in-memory bus, SQLite store unless --mongo).")
        {
            once, stations, from, to, airQinoUrl, db, mongo, simulate, timeout,
        };
        CommonOptions.ValidateRange(command, from, to);
        command.SetAction((result, cancellationToken) => RunAsync(new RunRequest(
            result.GetValue(once), result.GetValue(stations) ?? [], result.GetValue(from), result.GetValue(to),
            result.GetValue(airQinoUrl), result.GetValue(db), result.GetValue(mongo), result.GetValue(simulate), result.GetValue(timeout)), cancellationToken));
        return command;
    }

    private sealed record RunRequest(bool Once, string[] Stations, DateOnly? From, DateOnly? To, string? AirQinoUrl,
        FileInfo? Db, string? Mongo, bool Simulate, TimeSpan Timeout);

    private static async Task<int> RunAsync(RunRequest request, CancellationToken cancellationToken)
    {
        var defaults = new Dictionary<string, string?>(CommonOptions.StoreDefaults)
        {
            ["Bus:Transport"] = "InMemory",
            // The AirQino client already retries; one more bus-level attempt is enough for an interactive run.
            ["Bus:RetryLimit"] = "1",
            // Ctrl-C should end an interactive run within seconds.
            ["Bus:StopTimeout"] = "00:00:05",
        };
        var builder = CliHost.CreateBuilder(defaults, CliHost.Overrides([
            .. CommonOptions.StoreOverrides(request.Db, request.Mongo), ("AirQino:BaseUrl", request.AirQinoUrl),
            // Without --once the services keep running and the extractor's schedule fetches every hour.
            ("Schedule:Enabled", request.Once ? "false" : null)]));

        await using var simulator = request.Simulate
            ? await AirQinoSimulatorHost.StartAsync(new SimulatorOptions
            {
                StationIds = request.Stations.Length > 0 ? request.Stations : [.. StationsOptions.Read(builder.Configuration).Select(s => s.Id)],
            }, cancellationToken)
            : null;
        if (simulator is not null)
        {
            builder.Configuration["AirQino:BaseUrl"] = simulator.BaseUrl;
            AnsiConsole.MarkupLineInterpolated(
                $"[yellow]SIMULATED DATA[/]: synthetic AirQino readings served by an in-process simulator at {simulator.BaseUrl}; these are not real measurements.");
        }

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
        });

        using var host = builder.Build();
        using var stop = CliHost.StopOnSignal(host, cancellationToken);
        cancellationToken = stop.Token;
        var time = host.Services.GetRequiredService<TimeProvider>();
        var asked = StationSelection.Resolve(host.Services, request.Stations, request.From, request.To, time);
        await host.StartAsync(cancellationToken);

        var startedAt = time.GetUtcNow();
        var endpoint = await host.Services.GetRequiredService<ISendEndpointProvider>()
            .GetSendEndpoint(BusRegistration.CommandAddress(QueueNames.FetchStationWindow, host.Services));
        foreach (var station in asked)
            await endpoint.Send(StationSelection.Command(station, requestedBy: "run"), cancellationToken);

        var outcome = await WaitForPassAsync(host.Services, asked, startedAt, request.Timeout, cancellationToken);
        if (outcome == 0)
            await PrintDailyTableAsync(host.Services.GetRequiredService<IPipelineStore>(), asked, simulator is not null, cancellationToken);

        if (!request.Once && outcome == 0)
        {
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
        }

        await host.StopAsync(CancellationToken.None);
        return outcome;
    }

    private static async Task<int> WaitForPassAsync(IServiceProvider services, IReadOnlyList<StationDays> asked,
        DateTimeOffset startedAt, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var store = services.GetRequiredService<IPipelineStore>();
        var activity = services.GetRequiredService<ReceiveActivity>();
        var wait = new ProgressWait(services.GetRequiredService<PipelineFaults>(), services.GetRequiredService<TimeProvider>());
        var total = asked.Sum(s => s.DayCount);
        var stored = new StoredDayCounts();

        // Done when every asked day is stored by this pass and the remaining messages (the raw archive) are consumed.
        var tracker = new StoredDaysTracker(store, asked, startedAt);
        var outcome = await wait.RunAsync(new WaitPlan(total,
            async ct => (stored = await tracker.CountAsync(ct)).Stored,
            _ => $"days stored (of {total})",
            timeout, TimeSpan.FromMilliseconds(total > 1000 ? 1000 : 100),
            done => done >= total && activity.IsQuietFor(TimeSpan.FromMilliseconds(500))), cancellationToken);
        switch (outcome)
        {
            case WaitOutcome.Stopped:
                AnsiConsole.MarkupLineInterpolated($"Stopped at {stored.Stored} of {total} days; what is stored stays stored.");
                return 130;
            case WaitOutcome.Idle:
                AnsiConsole.MarkupLineInterpolated(
                    $"[red]Gave up: nothing was stored for {timeout}[/] ({stored.Stored} of {total} days stored). Rerun with a longer --timeout or look at the logs above.");
                return 1;
            case WaitOutcome.Faulted:
                await wait.ReportFaultsAsync("The run failed:", "");
                return 1;
        }
        AnsiConsole.MarkupLineInterpolated(
            $"Stored {stored.Stored} days: {stored.Complete} complete, {stored.Incomplete} incomplete, {stored.MissingAtSource} with no data at the source.");
        return 0;
    }

    private static async Task PrintDailyTableAsync(IPipelineStore store, IReadOnlyList<StationDays> asked, bool simulated,
        CancellationToken cancellationToken)
    {
        var table = new Table().AddColumns("station", "day", "CO mean (mg/m³)", "PM2.5 mean (µg/m³)", "hours", "complete");
        if (simulated)
            table.Caption("[yellow]simulated data[/]");
        foreach (var station in asked)
            foreach (var day in await store.GetDailyAveragesAsync(station.StationId, station.From, station.To, cancellationToken))
                table.AddRow(day.StationId, day.Date.ToString("yyyy-MM-dd"), Mean(day, QuantityNames.Co), Mean(day, QuantityNames.Pm2_5),
                    $"{day.HoursCovered}/{day.HoursInDay}", day.IsComplete ? "yes" : "no");
        AnsiConsole.Write(table);
    }

    private static string Mean(StoredDailyAverage day, string quantity) =>
        day.Quantities.TryGetValue(quantity, out var stats) && stats.Mean is { } mean ? mean.ToString("0.###") : "-";
}
