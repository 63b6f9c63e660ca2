using System.CommandLine;
using Harmattan.Cli.Pipeline;
using Harmattan.Extractor;
using Harmattan.Extractor.Scheduling;
using Harmattan.Hosting;
using Harmattan.Stations;
using Harmattan.Storage;
using Spectre.Console;

namespace Harmattan.Cli.Commands;

/// <summary>
/// <c>harmattan trigger</c>: one scheduled run (the extractor's planner and MessageIds) sent over RabbitMQ, then exit;
/// for a Kubernetes CronJob. Two triggers in the same hour send identical MessageIds.
/// </summary>
public static class TriggerCommand
{
    public static Command Create()
    {
        var db = CommonOptions.Db();
        db.Description = "SQLite store read for the gap and time zone warnings, relative to the current directory (default: " +
            $"{CommonOptions.DefaultStoreFile} when Storage:Provider is Sqlite; or ConnectionStrings__Sqlite); never created.";
        var mongo = CommonOptions.Mongo(db);
        mongo.Description = "MongoDB store read for the gap and time zone warnings instead of SQLite, e.g. mongodb://localhost:27017/?replicaSet=rs0 (or Storage__Provider=MongoDb with ConnectionStrings__MongoDb).";
        var rabbitMq = CommonOptions.RabbitMq();
        var command = new Command("trigger",
            "Send one scheduled run's fetch commands (the last Schedule:LookbackDays days of each configured station) to the running services and exit.")
        {
            db, mongo, rabbitMq,
        };
        command.SetAction((result, cancellationToken) => RunAsync(
            CommonOptions.StoreOverrides(result.GetValue(db), result.GetValue(mongo)), result.GetValue(rabbitMq), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync((string, string?)[] store, Uri? rabbitMq, CancellationToken cancellationToken)
    {
        var builder = CliHost.CreateBuilder(CommonOptions.StoreDefaults,
            CliHost.Overrides([.. store, CommonOptions.RabbitMqOverride(rabbitMq)]));
        var broker = BusRegistration.RabbitMqUri(builder.Configuration);
        // Only for the gap warning: a store that is down (or absent: it is never created here) must not stop the hourly run.
        if (StoreLocation.SqliteFile(builder.Configuration) is not { } file || File.Exists(file))
            builder.Services.AddPipelineStoreForReading(builder.Configuration);
        else
            AnsiConsole.MarkupLineInterpolated(
                $"No store at {file}: the check for days missed before the lookback is skipped (--db names the store the services write).");
        builder.Services.AddStations(builder.Configuration);
        builder.Services.AddScheduledRun();
        builder.Services.AddHarmattanBus(builder.Configuration, _ => { });
        // After the bus's settings were checked, as the other commands check theirs before they connect.
        await (await RabbitMqAddress.ConnectAsync(broker, "harmattan trigger", cancellationToken)).DisposeAsync();
        using var host = builder.Build();

        await host.StartAsync(cancellationToken);
        try
        {
            var time = host.Services.GetRequiredService<TimeProvider>();
            var runAt = time.GetUtcNow();
            var (plan, storeAnswered) = await host.Services.GetRequiredService<ScheduledRun>().RunAsync(runAt, cancellationToken);
            AnsiConsole.MarkupLineInterpolated(
                $"Sent {plan.Count} scheduled fetch command(s) for run hour {FetchSchedule.RunHour(runAt):yyyy-MM-ddTHH:mmZ} to RabbitMQ {RabbitMqAddress.Describe(broker)}:");
            foreach (var fetch in plan)
            {
                AnsiConsole.MarkupLineInterpolated($"  station {fetch.Command.StationId}: MessageId {fetch.MessageId}");
                AnsiConsole.MarkupLineInterpolated(
                    $"    days {DayRange.Format(fetch.Command.WindowStart, fetch.Command.WindowEnd, fetch.Command.TimeZone)} ({fetch.Command.TimeZone})");
            }
            if (storeAnswered)
                await WarnOfOtherZonesAsync(host.Services.GetRequiredService<IPipelineStore>(), plan, runAt, cancellationToken);
            // Still exit 0: the commands wait in the queues for a service being restarted or rolled out.
            await PipelineConsumers.WarnWithoutConsumersAsync(broker, "harmattan trigger", PipelineConsumers.OfFetches, cancellationToken);
            return 0;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// A trigger whose station settings differ from the zone the station was last fetched in (before this run) is said as
    /// backfill says it: in the first hour after a change of zone made elsewhere, say. A CronJob left with old settings then
    /// fetches in the old zone every hour; the extractor warns of each such command. Only a warning: a store that fails this
    /// read is said, and the run was sent all the same.
    /// </summary>
    private static async Task WarnOfOtherZonesAsync(IPipelineStore store, IReadOnlyList<ScheduledFetch> plan, DateTimeOffset runAt,
        CancellationToken cancellationToken)
    {
        var asked = plan.Select(fetch =>
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(fetch.Command.TimeZone);
            var (first, last) = DayWindows.DaysOf(fetch.Command.WindowStart, fetch.Command.WindowEnd, zone);
            return new StationDays(fetch.Command.StationId, zone, first, last);
        });
        try
        {
            await TimeZoneCheck.WarnOfOtherZonesAsync(store, asked, offerRefetch: false, cancellationToken, fetchedBefore: runAt);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            AnsiConsole.MarkupLineInterpolated($"The check of the zone the stations were last fetched in is skipped: {e.Message}");
        }
    }
}
