namespace Harmattan.Storage;

/// <summary>
/// Which of two fetches of the same data is the more recent, for the rule that a stored row is replaced only by a fetch
/// at least as recent. A fetch time later than the store's clock by more than <see cref="AheadTolerance"/> was stamped by
/// a clock that ran ahead and has since been set right: it counts as older than every time that is not ahead. Otherwise
/// the fetches made once the clock was set right would all be refused as older, and what the clock stamped (a running
/// day's first hours, say) would stay stored until real time caught up with it, or for good where no later fetch comes.
/// </summary>
public readonly record struct FetchTimeOrder(DateTimeOffset AheadAfter)
{
    /// <summary>
    /// More than the clocks of two machines plausibly differ by for long: within it, only the extractor's clock orders
    /// fetches, as before the rule, and a clock that ran ahead by less heals by itself, once real time passes its stamps
    /// and the hourly schedule fetches today and yesterday again (a clock kept in local time, hours ahead until NTP sets
    /// it right, for one).
    /// </summary>
    public static readonly TimeSpan AheadTolerance = TimeSpan.FromDays(1);

    public static FetchTimeOrder Now(TimeProvider time) => At(time.GetUtcNow());

    /// <summary>The order of a clock that reads <paramref name="now"/>.</summary>
    public static FetchTimeOrder At(DateTimeOffset now) => new(now + AheadTolerance);

    public bool IsAhead(DateTimeOffset fetchedAt) => fetchedAt > AheadAfter;

    /// <summary>Whether a fetch at <paramref name="fetchedAt"/> is at least as recent as one at <paramref name="other"/>.</summary>
    public bool NotOlder(DateTimeOffset fetchedAt, DateTimeOffset other) =>
        IsAhead(fetchedAt) == IsAhead(other) ? fetchedAt >= other : IsAhead(other);

    /// <summary>The more recent of the two.</summary>
    public DateTimeOffset Later(DateTimeOffset first, DateTimeOffset second) => NotOlder(first, second) ? first : second;
}
