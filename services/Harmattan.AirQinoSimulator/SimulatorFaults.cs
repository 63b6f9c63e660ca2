using System.Net;

namespace Harmattan.AirQinoSimulator;

public enum SimulatedFault
{
    None,
    ServerError,
    Throttle,
    Truncate,
}

/// <summary>
/// The faults the simulator injects; tests change them while it runs. Rates draw from a hash of the seed, the
/// station and its request number, so a run is repeatable; the "next N" counters make a test exact.
/// </summary>
public sealed class SimulatorFaults
{
    private int _failNext;
    private int _throttleNext;
    private int _truncateNext;

    /// <summary>Share of requests answered with <see cref="ServerErrorStatus"/>.</summary>
    public double FailRate { get; set; }

    /// <summary>Share of requests answered 429 with a Retry-After header.</summary>
    public double ThrottleRate { get; set; }

    /// <summary>Share of requests whose JSON body stops halfway (status 200).</summary>
    public double TruncateRate { get; set; }

    /// <summary>Wait before answering each request.</summary>
    public TimeSpan Delay { get; set; }

    public int RetryAfterSeconds { get; set; } = 1;
    public HttpStatusCode ServerErrorStatus { get; set; } = HttpStatusCode.ServiceUnavailable;

    public void FailNext(int requests) => Interlocked.Exchange(ref _failNext, requests);
    public void ThrottleNext(int requests) => Interlocked.Exchange(ref _throttleNext, requests);
    public void TruncateNext(int requests) => Interlocked.Exchange(ref _truncateNext, requests);

    public void Clear()
    {
        FailRate = ThrottleRate = TruncateRate = 0;
        Delay = TimeSpan.Zero;
        FailNext(0);
        ThrottleNext(0);
        TruncateNext(0);
    }

    public override string ToString() =>
        $"fail-rate {FailRate}, throttle-rate {ThrottleRate} (Retry-After: {RetryAfterSeconds}), truncate-rate {TruncateRate}, delay {Delay.TotalMilliseconds} ms";

    internal SimulatedFault Decide(int seed, string stationId, long requestNumber)
    {
        if (TryTake(ref _failNext))
            return SimulatedFault.ServerError;
        if (TryTake(ref _throttleNext))
            return SimulatedFault.Throttle;
        if (TryTake(ref _truncateNext))
            return SimulatedFault.Truncate;

        var draw = Draw(seed, stationId, requestNumber);
        if ((draw -= FailRate) < 0)
            return SimulatedFault.ServerError;
        if ((draw -= ThrottleRate) < 0)
            return SimulatedFault.Throttle;
        return draw - TruncateRate < 0 ? SimulatedFault.Truncate : SimulatedFault.None;
    }

    private static bool TryTake(ref int counter)
    {
        while (true)
        {
            var current = Volatile.Read(ref counter);
            if (current <= 0)
                return false;
            if (Interlocked.CompareExchange(ref counter, current - 1, current) == current)
                return true;
        }
    }

    private static double Draw(int seed, string stationId, long requestNumber)
    {
        var z = 14695981039346656037UL ^ (ulong)(uint)seed;
        foreach (var c in stationId)
            z = (z ^ c) * 1099511628211UL;
        z += (ulong)requestNumber * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }
}
