namespace Harmattan.Cli.Pipeline;

/// <summary>
/// Sends <c>harmattan run</c>'s fetch commands as the store catches up. The in-memory bus holds every message the
/// extractor publishes until the loader has consumed it, and the extractor fetches much faster than the loader stores:
/// sent all at once, a run held nearly its whole range in memory, and its peak grew with the range (1.3 GB for two years
/// of 100 stations). Paced, it holds at most about <paramref name="maxDaysAhead"/> days fetched and not yet stored.
/// Each station's days go in parts of at most <paramref name="daysPerSend"/> days, so that a station of decades is
/// paced as well as many stations are.
/// </summary>
/// <param name="send">Sends the command that fetches one part of a station's days.</param>
public sealed class PacedFetches(IReadOnlyList<StationDays> asked, StoredDaysTracker tracker, PipelineFaults faults,
    Func<StationDays, CancellationToken, Task> send, int maxDaysAhead = PacedFetches.DefaultMaxDaysAhead,
    int daysPerSend = int.MaxValue)
{
    /// <summary>
    /// About two seconds of the loader's work on two cores, so that it is not left idle between two counts of the store
    /// (one a second in a long run): at 2,000 days a year of 100 stations took half as long again as at 5,000, and at
    /// 10,000 held about 100 MB more.
    /// </summary>
    public const int DefaultMaxDaysAhead = 5000;

    private readonly Queue<StationDays> _parts = new(asked.SelectMany(station => station.Parts(daysPerSend)));
    private readonly Dictionary<string, int> _sentDays = [];

    /// <summary>
    /// Sends the next parts while the days sent and not yet stored stay within the limit, and always one when none is
    /// outstanding, however many days it asks. A station that failed is no longer outstanding, and its parts not sent yet
    /// are not sent. Call it after each count of the store.
    /// </summary>
    public async Task SendMoreAsync(CancellationToken cancellationToken)
    {
        var ahead = _sentDays
            .Where(s => !tracker.IsFinished(s.Key) && !faults.HasFailed(s.Key))
            .Sum(s => Math.Max(0, s.Value - tracker.Of(s.Key).Stored));
        while (_parts.TryPeek(out var part) && (ahead == 0 || ahead + part.DayCount <= maxDaysAhead))
        {
            // A station whose fetch failed (an id AirQino does not know, a source failing past its retries) has failed:
            // its later parts would fail as well, each after the client's retries.
            if (faults.HasFailed(part.StationId))
            {
                _parts.Dequeue();
                continue;
            }
            await send(part, cancellationToken);
            _parts.Dequeue();
            _sentDays[part.StationId] = _sentDays.GetValueOrDefault(part.StationId) + part.DayCount;
            ahead += part.DayCount;
        }
    }
}
