using MassTransit;

namespace Harmattan.Cli.Pipeline;

/// <summary>
/// Counts messages being consumed on this bus, so that an all-in-one run knows when the pipeline has gone quiet
/// (every message it caused consumed) before it stops the in-memory bus.
/// </summary>
public sealed class ReceiveActivity(TimeProvider time) : IReceiveObserver
{
    private int _active;
    private long _lastActivityTicks = time.GetTimestamp();

    public bool IsQuietFor(TimeSpan period) =>
        Volatile.Read(ref _active) == 0 && time.GetElapsedTime(Interlocked.Read(ref _lastActivityTicks)) >= period;

    public Task PreReceive(ReceiveContext context)
    {
        Interlocked.Increment(ref _active);
        Touch();
        return Task.CompletedTask;
    }

    public Task PostReceive(ReceiveContext context) => Done();

    public Task ReceiveFault(ReceiveContext context, Exception exception) => Done();

    public Task PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType) where T : class => Task.CompletedTask;

    public Task ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception) where T : class =>
        Task.CompletedTask;

    private Task Done()
    {
        Touch();
        Interlocked.Decrement(ref _active);
        return Task.CompletedTask;
    }

    private void Touch() => Interlocked.Exchange(ref _lastActivityTicks, time.GetTimestamp());
}
