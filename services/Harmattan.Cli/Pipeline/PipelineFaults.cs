using System.Collections.Concurrent;
using Harmattan.Contracts;
using MassTransit;

namespace Harmattan.Cli.Pipeline;

/// <summary>A failure of one station's message that reached an error queue, with the consumer's reason.</summary>
public sealed record PipelineFault(string StationId, string What, string Reason)
{
    public override string ToString() => $"{What}: {Reason}";
}

/// <summary>Failures that reached a pipeline's error queues while the CLI watched.</summary>
public sealed class PipelineFaults
{
    private readonly ConcurrentQueue<PipelineFault> _faults = new();

    public bool Any => !_faults.IsEmpty;

    public IReadOnlyList<PipelineFault> All => [.. _faults];

    public bool HasFailed(string stationId) => _faults.Any(f => f.StationId == stationId);

    public void Record(PipelineFault fault) => _faults.Enqueue(fault);
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
        Record(m.StationId, $"fetching station {m.StationId} {DayRange.Format(m.WindowStart, m.WindowEnd, m.TimeZone)}", context.Message);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<Fault<RawReadingsFetched>> context)
    {
        var m = context.Message.Message;
        Record(m.StationId, $"processing the readings of station {m.StationId} {DayRange.Format(m.WindowStart, m.WindowEnd, m.TimeZone)}", context.Message);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<Fault<AveragesComputed>> context)
    {
        var m = context.Message.Message;
        Record(m.StationId, $"storing the averages of station {m.StationId} {DayRange.Format(m.WindowStart, m.WindowEnd, m.TimeZone)}", context.Message);
        return Task.CompletedTask;
    }

    private void Record(string stationId, string what, Fault fault) =>
        faults.Record(new PipelineFault(stationId, what, fault.Exceptions.FirstOrDefault()?.Message ?? "unknown error"));
}
