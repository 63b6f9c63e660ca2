using System.CommandLine;
using Harmattan.Cli.Pipeline;
using Harmattan.Extractor;
using Harmattan.Hosting;
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
    public static Command Create()
    {
        var stations = CommonOptions.Stations();
        var from = CommonOptions.From(required: true);
        var to = CommonOptions.To(required: true);
        var chunkDays = new Option<int>("--chunk-days")
        {
            Description = "Days per fetch command (1-7, default 7); smaller chunks spread the work over more extractors.",
            DefaultValueFactory = _ => 7,
        };
        chunkDays.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 7)
                r.AddError("--chunk-days must be between 1 and 7 (a message holds at most 7 days).");
        });
        var noWait = new Option<bool>("--no-wait") { Description = "Send the commands and exit without waiting for the store." };
        var idleTimeout = new Option<TimeSpan>("--idle-timeout")
        {
            Description = "Stop waiting when no new day is stored for this long (default 00:10:00).",
            DefaultValueFactory = _ => TimeSpan.FromMinutes(10),
        };
        var db = CommonOptions.Db();

        var command = new Command("backfill", "Fetch a range of days through the running services (RabbitMQ) and wait until it is stored.")
        {
            stations, from, to, chunkDays, noWait, idleTimeout, db,
        };
        CommonOptions.ValidateRange(command, from, to);
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(stations) ?? [], result.GetValue(from)!.Value,
            result.GetValue(to)!.Value, result.GetValue(chunkDays), result.GetValue(noWait), result.GetValue(idleTimeout),
            result.GetValue(db), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string[] stationIds, DateOnly from, DateOnly to, int chunkDays, bool noWait,
        TimeSpan idleTimeout, FileInfo? db, CancellationToken cancellationToken)
    {
        var builder = CliHost.CreateBuilder(CommonOptions.StoreDefaults, CliHost.Overrides(CommonOptions.DbOverride(db)));
        builder.Services.AddPipelineStore(builder.Configuration);
        builder.Services.AddStations(builder.Configuration);
        builder.Services.AddSingleton<PipelineFaults>();
        builder.Services.AddHarmattanBus(builder.Configuration, bus =>
            bus.AddConsumer<PipelineFaultConsumer>().Endpoint(e => e.Temporary = true));
        using var host = builder.Build();
        using var stop = CliHost.StopOnSignal(host, cancellationToken);
        cancellationToken = stop.Token;
        var time = host.Services.GetRequiredService<TimeProvider>();
        var asked = StationSelection.Resolve(host.Services, stationIds, from, to, time);

        await host.StartAsync(cancellationToken);
        try
        {
            // Fetches done before this moment do not count as this backfill's results.
            var startedAt = time.GetUtcNow();
            var endpoint = await host.Services.GetRequiredService<ISendEndpointProvider>()
                .GetSendEndpoint(BusRegistration.CommandAddress(QueueNames.FetchStationWindow, host.Services));
            var sent = 0;
            foreach (var station in asked)
                foreach (var fetch in StationSelection.Commands(station, chunkDays, requestedBy: "backfill"))
                {
                    await endpoint.Send(fetch, cancellationToken);
                    sent++;
                }
            var total = asked.Sum(s => s.DayCount);
            AnsiConsole.MarkupLineInterpolated(
                $"Sent {sent} fetch commands for {total} station-days ({from:yyyy-MM-dd}..{to:yyyy-MM-dd}, {asked.Count} station(s)).");
            if (noWait)
                return 0;

            return await WaitAsync(host.Services, asked, total, startedAt, idleTimeout, cancellationToken);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<int> WaitAsync(IServiceProvider services, IReadOnlyList<StationDays> asked, int total,
        DateTimeOffset startedAt, TimeSpan idleTimeout, CancellationToken cancellationToken)
    {
        var store = services.GetRequiredService<IPipelineStore>();
        var faults = services.GetRequiredService<PipelineFaults>();
        var time = services.GetRequiredService<TimeProvider>();
        var stored = new StoredDayCounts();
        var lastProgress = time.GetTimestamp();
        var outcome = "";
        try
        {
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                    new ElapsedTimeColumn(), new RemainingTimeColumn())
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask($"days stored (of {total})", maxValue: total);
                    while (stored.Stored < total)
                    {
                        if (faults.Any)
                        {
                            outcome = "fault";
                            return;
                        }
                        if (time.GetElapsedTime(lastProgress) > idleTimeout)
                        {
                            outcome = "idle";
                            return;
                        }
                        await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
                        var now = await StationDays.CountStoredAsync(store, asked, startedAt, cancellationToken);
                        if (now.Stored != stored.Stored)
                            lastProgress = time.GetTimestamp();
                        stored = now;
                        task.Value = stored.Stored;
                    }
                });
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            AnsiConsole.MarkupLineInterpolated(
                $"Stopped waiting at {stored.Stored} of {total} days. The commands already sent are still processed; run the same command again to wait for the rest.");
            return 130;
        }

        AnsiConsole.MarkupLineInterpolated(
            $"Days stored: {stored.Stored} of {total} — complete {stored.Complete}, incomplete {stored.Incomplete}, missing at the source {stored.MissingAtSource}.");
        switch (outcome)
        {
            case "fault":
                AnsiConsole.MarkupLine("[red]Some fetches failed[/] and are in the error queues:");
                // Unwrapped on stderr: a reason holds a URL and the fix, which a wrapped line would break.
                foreach (var fault in faults.All)
                    await Console.Error.WriteLineAsync("  " + fault);
                AnsiConsole.MarkupLine("Fix the cause, move them back with `harmattan redrive --queue fetch-station-window_error`, then run this command again.");
                return 1;
            case "idle":
                AnsiConsole.MarkupLineInterpolated(
                    $"[red]No new day stored for {idleTimeout}.[/] Are the extractor, transformer and loader running against this RabbitMQ and this store?");
                return 1;
            default:
                return 0;
        }
    }
}
