using System.Collections.Concurrent;
using System.Globalization;
using Harmattan.Contracts;
using Harmattan.Extractor;
using Harmattan.Hosting;
using MassTransit;

namespace Harmattan.Cli.Pipeline;

/// <summary>A failure of one station's message that reached an error queue, with the consumer's reason.</summary>
/// <param name="ErrorQueue">The error queue the message went to, where <c>harmattan redrive</c> takes it from.</param>
/// <param name="WindowStart">The start of the window the message fetched or carries.</param>
/// <param name="FetchId">The fetch a raw readings or averages message carries; none for a fetch command.</param>
/// <param name="TimeZone">The zone the message's window was cut in.</param>
/// <param name="AirQinoFailure">Whether AirQino answered, when the failure is a fetch from it.</param>
public sealed record PipelineFault(string StationId, string What, string Reason, string ErrorQueue,
    DateTimeOffset WindowStart, DateTimeOffset WindowEnd, Guid? FetchId = null, string TimeZone = "UTC",
    AirQinoFailureKind? AirQinoFailure = null)
{
    public override string ToString() => $"{What}: {Reason}";

    /// <summary>
    /// The failures as lines to print, station by station: the failure of a station's first window in full, then how many
    /// more of its windows went to the same error queue and the days they span. A station id that AirQino does not know
    /// fails every window of a year's backfill for the same reason, and fifty-odd such lines would bury the other
    /// stations' failures.
    /// </summary>
    public static IReadOnlyList<string> Summarize(IEnumerable<PipelineFault> faults) =>
    [
        .. faults
            .GroupBy(f => (f.StationId, f.ErrorQueue))
            .OrderBy(g => g.Key.StationId, StringComparer.Ordinal).ThenBy(g => g.Key.ErrorQueue, StringComparer.Ordinal)
            .SelectMany(g =>
            {
                var first = g.MinBy(f => f.WindowStart)!;
                var count = g.Count();
                return count == 1
                    ? [first.ToString()]
                    : new[]
                    {
                        first.ToString(),
                        $"  and {count - 1} more of station {first.StationId} in {first.ErrorQueue}, together " +
                        $"{DayRange.Format(first.WindowStart, g.Max(f => f.WindowEnd), first.TimeZone)}",
                    };
            }),
    ];
}

/// <summary>Failures that reached a pipeline's error queues while the CLI watched.</summary>
public sealed class PipelineFaults
{
    private readonly ConcurrentQueue<PipelineFault> _faults = new();

    public bool Any => !_faults.IsEmpty;

    public IReadOnlyList<PipelineFault> All => [.. _faults];

    public bool HasFailed(string stationId) => _faults.Any(f => f.StationId == stationId);

    /// <summary>Which failures are this command's; by default all. Others (the hourly schedule's, say) are not recorded.</summary>
    public Func<PipelineFault, bool>? Watches { get; set; }

    public void Record(PipelineFault fault)
    {
        if (Watches?.Invoke(fault) is false)
            return;
        _faults.Enqueue(fault);
    }
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
        Record(context, m.StationId, $"fetching station {m.StationId} {DayRange.Format(m.WindowStart, m.WindowEnd, m.TimeZone)}",
            QueueNames.FetchStationWindow, (m.WindowStart, m.WindowEnd), m.TimeZone);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<Fault<RawReadingsFetched>> context)
    {
        var m = context.Message.Message;
        Record(context, m.StationId, $"processing the readings of station {m.StationId} {DayRange.Format(m.WindowStart, m.WindowEnd, m.TimeZone)}",
            QueueNames.ComputeAverages, (m.WindowStart, m.WindowEnd), m.TimeZone, m.FetchId);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<Fault<AveragesComputed>> context)
    {
        var m = context.Message.Message;
        Record(context, m.StationId, $"storing the averages of station {m.StationId} {DayRange.Format(m.WindowStart, m.WindowEnd, m.TimeZone)}",
            QueueNames.StoreAverages, (m.WindowStart, m.WindowEnd), m.TimeZone, m.SourceFetchId);
        return Task.CompletedTask;
    }

    /// <param name="usualQueue">Where the message type fails when the fault does not say (a raw fetch can also fail in the archive).</param>
    private void Record<T>(ConsumeContext<Fault<T>> context, string stationId, string what, string usualQueue,
        (DateTimeOffset Start, DateTimeOffset End) window, string timeZone, Guid? fetchId = null)
    {
        // A fault is published from the receive endpoint whose consumer failed: its address ends in the queue's name.
        var failedOn = context.SourceAddress?.Segments is [.., var last] ? last.Trim('/') : null;
        var queue = QueueNames.All.FirstOrDefault(q => q == failedOn) ?? usualQueue;
        var exception = context.Message.Exceptions.FirstOrDefault();
        faults.Record(new PipelineFault(stationId, what, exception?.Message ?? "unknown error",
            QueueNames.ErrorQueue(queue), window.Start, window.End, fetchId, timeZone, AirQinoFailureOf(exception)));
    }

    /// <summary>The kind an <see cref="AirQinoResponseException"/> put in its data; the fault carries it as text.</summary>
    private static AirQinoFailureKind? AirQinoFailureOf(ExceptionInfo? exception) =>
        exception?.Data?.TryGetValue(AirQinoResponseException.KindKey, out var kind) is true
        && Enum.TryParse<AirQinoFailureKind>(Convert.ToString(kind, CultureInfo.InvariantCulture), out var parsed)
            ? parsed
            : null;
}
