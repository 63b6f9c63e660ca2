using System.Collections.Concurrent;
using Harmattan.Contracts;
using MassTransit;

namespace Harmattan.Cli.Pipeline;

/// <summary>Failures that reached a pipeline's error queues while the CLI watched, with the consumer's reason.</summary>
public sealed class PipelineFaults
{
    private readonly ConcurrentQueue<string> _faults = new();

    public bool Any => !_faults.IsEmpty;

    public IReadOnlyList<string> All => [.. _faults];

    public void Record(string what, string reason) => _faults.Enqueue($"{what}: {reason}");
}

/// <summary>
/// MassTransit publishes <see cref="Fault{T}"/> when a message exhausts its retries and goes to <c>_error</c>;
/// the CLI listens so that it can stop waiting and say why.
/// </summary>
public sealed class PipelineFaultConsumer(PipelineFaults faults) :
    IConsumer<Fault<FetchStationWindow>>,
    IConsumer<Fault<RawReadingsFetched>>,
    IConsumer<Fault<AveragesComputed>>
{
    public Task Consume(ConsumeContext<Fault<FetchStationWindow>> context)
    {
        var m = context.Message.Message;
        faults.Record($"fetching station {m.StationId} {m.WindowStart:yyyy-MM-dd}..{m.WindowEnd:yyyy-MM-dd}", Reason(context.Message));
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<Fault<RawReadingsFetched>> context)
    {
        var m = context.Message.Message;
        faults.Record($"processing the readings of station {m.StationId} {m.WindowStart:yyyy-MM-dd}..{m.WindowEnd:yyyy-MM-dd}", Reason(context.Message));
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<Fault<AveragesComputed>> context)
    {
        var m = context.Message.Message;
        faults.Record($"storing the averages of station {m.StationId} {m.WindowStart:yyyy-MM-dd}..{m.WindowEnd:yyyy-MM-dd}", Reason(context.Message));
        return Task.CompletedTask;
    }

    private static string Reason(Fault fault) =>
        fault.Exceptions.FirstOrDefault()?.Message ?? "unknown error";
}
