using System.CommandLine;
using Harmattan.Cli.Operations;
using Harmattan.Cli.Pipeline;
using Harmattan.Hosting;
using Spectre.Console;

namespace Harmattan.Cli.Commands;

/// <summary>
/// <c>harmattan redrive</c>: moves the messages of a MassTransit error queue back to the queue they failed on, once the
/// cause is fixed, or deletes those of a station that will never succeed. Connects to <c>ConnectionStrings:RabbitMq</c>.
/// </summary>
public static class RedriveCommand
{
    public static Command Create()
    {
        var queue = new Option<string>("--queue")
        {
            Description = "The error queue to empty, e.g. store-averages_error; its messages go back to store-averages.",
            Required = true,
        };
        queue.Validators.Add(r =>
        {
            if (ErrorQueueRedrive.Refusal(r.GetValueOrDefault<string>() ?? "") is { } refusal)
                r.AddError(refusal);
        });
        var rabbitMq = CommonOptions.RabbitMq();
        var max = CommonOptions.WholeNumber("--max", "Move at most this many messages (default: all those waiting now).", 1, int.MaxValue,
            "use 1 or more, or leave it out to move every message waiting");

        var stations = CommonOptions.Stations("Only the messages of this station; repeat for several. The others stay in the error queue.");
        var discard = new Option<bool>("--discard")
        {
            Description = "Delete the messages of the --station stations instead of moving them back: for a station whose messages " +
                          "will never succeed (an id AirQino does not know, say).",
        };

        var command = new Command("redrive", "Move the messages of a RabbitMQ error queue (NAME_error) back to the queue they failed on.")
        {
            queue, stations, discard, max, rabbitMq,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(discard) && (result.GetValue(stations) ?? []).Length == 0)
                result.AddError("--discard deletes the messages of the stations named by --station: give --station ID " +
                                "(to empty a whole error queue, rabbitmqctl purge_queue NAME).");
        });
        command.SetAction((result, cancellationToken) =>
            RunAsync(result.GetValue(queue)!, new RedriveSelection((result.GetValue(stations) ?? []).ToHashSet(StringComparer.Ordinal), result.GetValue(discard)),
                result.GetValue(max), result.GetValue(rabbitMq), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string errorQueue, RedriveSelection selection, int? max, Uri? rabbitMqOption,
        CancellationToken cancellationToken)
    {
        var builder = CliHost.CreateBuilder(new Dictionary<string, string?>(), CliHost.Overrides(CommonOptions.RabbitMqOverride(rabbitMqOption)));
        var rabbitMq = BusRegistration.RabbitMqUri(builder.Configuration);
        var where = RabbitMqAddress.Describe(rabbitMq);
        try
        {
            var result = await ErrorQueueRedrive.RunAsync(rabbitMq, errorQueue, max, selection, cancellationToken);
            if (!result.QueueExists)
            {
                if (!ErrorQueueRedrive.PipelineErrorQueues.Contains(errorQueue))
                    throw CliException.Usage(
                        $"--queue: {errorQueue} does not exist on {where}, and it is not one of the pipeline's error queues: {ErrorQueueRedrive.PipelineErrorQueueList}.");
                AnsiConsole.MarkupLineInterpolated(
                    $"Nothing to move: {errorQueue} does not exist on {where}; MassTransit creates it with the first message that fails there.");
                return 0;
            }
            if (result.Moved == 0 && result.Discarded == 0 && selection.Stations.Count == 0)
                AnsiConsole.MarkupLineInterpolated($"Nothing to move: {errorQueue} on {where} is empty.");
            else if (result.Moved == 0 && result.Discarded == 0)
                AnsiConsole.MarkupLineInterpolated(
                    $"Nothing to {(selection.Discard ? "delete" : "move")}: {errorQueue} on {where} holds no message of station {string.Join(", ", selection.Stations.Order(StringComparer.Ordinal))}.");
            foreach (var (destination, count) in result.MovedTo)
                AnsiConsole.MarkupLineInterpolated($"Moved {count} message(s) from {errorQueue} to {destination} on {where}.");
            foreach (var (station, count) in result.DiscardedOf)
                AnsiConsole.MarkupLineInterpolated($"Deleted {count} message(s) of station {station} from {errorQueue} on {where}.");
            AnsiConsole.MarkupLineInterpolated($"{result.LeftInErrorQueue} message(s) left in {errorQueue}.");
            if (result.ArrivedSince > 0)
                AnsiConsole.MarkupLineInterpolated(
                    $"{result.ArrivedSince} of them arrived while it ran: messages moved that failed again (their cause is not fixed), or new failures.");
            await PipelineConsumers.WarnWithoutConsumersAsync(rabbitMq, "harmattan redrive",
                [.. result.MovedTo.Keys.Where(QueueNames.All.Contains)], cancellationToken);
            return cancellationToken.IsCancellationRequested ? 130 : 0;
        }
        catch (RedriveException ex)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{ex.Message}[/]");
            return 1;
        }
    }
}
