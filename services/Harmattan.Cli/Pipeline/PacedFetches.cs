namespace Harmattan.Cli.Pipeline;

/// <summary>
/// Sends <c>harmattan run</c>'s fetch commands station by station as the store catches up. The in-memory bus holds every
/// message the extractor publishes until the loader has consumed it, and the extractor fetches much faster than the
/// loader stores: sent all at once, a run held nearly its whole range in memory, and its peak grew with the range (1.3 GB
/// for two years of 100 stations). Paced, it holds at most about <paramref name="maxDaysAhead"/> days fetched and not
/// yet stored.
/// </summary>
/// <param name="send">Sends the commands that fetch a station's days.</param>
public sealed class PacedFetches(IReadOnlyList<StationDays> asked, StoredDaysTracker tracker, PipelineFaults faults,
    Func<StationDays, CancellationToken, Task> send, int maxDaysAhead = PacedFetches.DefaultMaxDaysAhead)
{
    /// <summary>
    /// About two seconds of the loader's work on two cores, so that it is not left idle between two counts of the store
    /// (one a second in a long run): at 2,000 days a year of 100 stations took half as long again as at 5,000, and at
    /// 10,000 held about 100 MB more.
    /// </summary>
    public const int DefaultMaxDaysAhead = 5000;

    private int _sent;

    /// <summary>
    /// Sends the next stations' commands while the days sent and not yet stored stay within the limit, and always one
    /// when none is outstanding, however many days it asks. A station that failed is no longer outstanding. Call it after
    /// each count of the store.
    /// </summary>
    public async Task SendMoreAsync(CancellationToken cancellationToken)
    {
        var ahead = asked.Take(_sent)
            .Where(s => !tracker.IsFinished(s.StationId) && !faults.HasFailed(s.StationId))
            .Sum(s => s.DayCount - tracker.Of(s.StationId).Stored);
        while (_sent < asked.Count && (ahead == 0 || ahead + asked[_sent].DayCount <= maxDaysAhead))
        {
            await send(asked[_sent], cancellationToken);
            ahead += asked[_sent++].DayCount;
        }
    }
}
