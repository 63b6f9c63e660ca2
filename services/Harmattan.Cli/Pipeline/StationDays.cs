using Harmattan.Cli.Commands;
using Harmattan.Contracts;
using Harmattan.Stations;
using Harmattan.Storage;

namespace Harmattan.Cli.Pipeline;

/// <summary>The days asked for one station, from..to inclusive, in the station's time zone.</summary>
public sealed record StationDays(string StationId, TimeZoneInfo TimeZone, DateOnly From, DateOnly To)
{
    public int DayCount => To.DayNumber - From.DayNumber + 1;

    /// <summary>The days in order, in parts of at most <paramref name="days"/> days.</summary>
    public IEnumerable<StationDays> Parts(int days)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(days, 1);
        for (var first = From; ; first = first.AddDays(days))
        {
            // Compared as day numbers: first.AddDays(days) would overflow for a part as long as int.MaxValue days.
            if (To.DayNumber - first.DayNumber < days)
            {
                yield return this with { From = first };
                yield break;
            }
            yield return this with { From = first, To = first.AddDays(days - 1) };
        }
    }

    /// <summary>
    /// The stored day had not ended when it was fetched (today, usually): not complete yet, which says nothing of its
    /// data; the hourly schedule fetches it again until it has ended.
    /// </summary>
    public bool IsRunning(StoredDailyAverage day) => day.IsRunning(zoneWhenUnknown: TimeZone.Id);

    /// <summary>
    /// How many of the asked days the store holds as asked of the source at or after <paramref name="notBefore"/>: fetched
    /// since, or kept since because the fetch sent no row for a day that had rows.
    /// </summary>
    public static Task<StoredDayCounts> CountStoredAsync(IPipelineStore store, IEnumerable<StationDays> asked,
        DateTimeOffset notBefore, CancellationToken cancellationToken) =>
        CountStoredAsync(store, asked, day => day.SourceCheckedAt >= notBefore, notBefore, cancellationToken);

    /// <summary>
    /// How many of the asked days the store holds that <paramref name="counts"/> accepts, telling apart those a fetch
    /// since <paramref name="since"/> sent no row for and that kept their earlier averages.
    /// </summary>
    public static async Task<StoredDayCounts> CountStoredAsync(IPipelineStore store, IEnumerable<StationDays> asked,
        Func<StoredDailyAverage, bool> counts, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var total = new StoredDayCounts();
        foreach (var station in asked)
        {
            var days = await store.GetDailyAveragesAsync(station.StationId, station.From, station.To, cancellationToken);
            foreach (var day in days.Where(counts))
                total = total.Add(day, kept: day.SourceFetchedAt < since && day.SourceCheckedAt >= since, running: station.IsRunning(day));
        }
        return total;
    }
}

/// <param name="MissingAtSource">Days the source sent no row for.</param>
/// <param name="AllRejected">
/// Days the source sent rows for whose every value was rejected (not a number, or outside Quality:Ranges): no hour is
/// covered either, but the cause is the values, not the source's silence.
/// </param>
/// <param name="Kept">
/// Days AirQino sent no row for this time that keep the averages of an earlier fetch (an outage answering nothing, or days
/// older than AirQino still serves): counted as stored, by those averages.
/// </param>
/// <param name="Running">
/// Incomplete days that had not ended when fetched (today, usually): the hourly schedule fetches them again until they have.
/// </param>
public readonly record struct StoredDayCounts(int Stored, int Complete, int Incomplete, int MissingAtSource, int AllRejected = 0, int Kept = 0,
    int Running = 0)
{
    /// <param name="notEndedWhenFetched">The day had not ended when it was fetched, whether still running or left unfinished.</param>
    public StoredDayCounts Add(StoredDailyAverage day, bool kept = false, bool running = false, bool notEndedWhenFetched = false) =>
        (kept ? this with { Kept = Kept + 1 } : this).Add(day.Coverage, running, notEndedWhenFetched || running);

    // A day not ended when fetched that has no hour yet (today in its first hour, or whose values so far were all
    // rejected) is running, as the run's table and the dashboard show it, or left unfinished: incomplete, not missing at
    // the source.
    private StoredDayCounts Add(DayCoverage coverage, bool running, bool notEndedWhenFetched) => coverage switch
    {
        DayCoverage.MissingAtSource when !notEndedWhenFetched => this with { Stored = Stored + 1, MissingAtSource = MissingAtSource + 1 },
        DayCoverage.AllRejected when !notEndedWhenFetched => this with { Stored = Stored + 1, AllRejected = AllRejected + 1 },
        DayCoverage.Complete => this with { Stored = Stored + 1, Complete = Complete + 1 },
        _ => this with { Stored = Stored + 1, Incomplete = Incomplete + 1, Running = Running + (running ? 1 : 0) },
    };

    /// <summary>" (N still running)" after the incomplete days, or nothing when none of them is.</summary>
    public string RunningNote => Running == 0 ? "" : $" ({Running} still running)";

    /// <summary>", N with every value rejected ...", or nothing when there is none: appended to a summary of the counts.</summary>
    public string AllRejectedNote => AllRejected == 0
        ? ""
        : $", {AllRejected} with rows whose every value was rejected (not numbers, or outside Quality:Ranges: see the quantities' rejected counts)";

    /// <summary>" N of them ... kept ...", or nothing when there is none: appended to a summary of the counts.</summary>
    public string KeptNote => Kept == 0
        ? ""
        : $" {Counted.Of(Kept, "day", "days")} kept the averages of an earlier fetch: AirQino sent no row for {(Kept == 1 ? "it" : "them")} this time, and an answer without rows never replaces a day stored with rows.";

    /// <summary>
    /// Days a fetch of this run stored: not those stored before it, nor those kept as they were (<see cref="Kept"/>). A day
    /// stored before that the hourly schedule fetched meanwhile, answered without rows, counts in both: never below 0.
    /// </summary>
    public int StoredByThisRun(int alreadyStored) => Math.Max(0, Stored - alreadyStored - Kept);

    public static StoredDayCounts operator +(StoredDayCounts a, StoredDayCounts b) =>
        new(a.Stored + b.Stored, a.Complete + b.Complete, a.Incomplete + b.Incomplete, a.MissingAtSource + b.MissingAtSource,
            a.AllRejected + b.AllRejected, a.Kept + b.Kept, a.Running + b.Running);
}

/// <summary>
/// Counts the asked days stored since <paramref name="notBefore"/>, reading again only the stations not yet
/// complete: a long run polls often, and re-reading a year of finished stations would slow the pipeline it watches.
/// </summary>
public sealed class StoredDaysTracker(IPipelineStore store, IReadOnlyList<StationDays> asked, DateTimeOffset notBefore)
{
    private readonly Dictionary<string, StoredDayCounts> _finished = [];

    /// <summary>Every asked day of the station is stored (as of the last <see cref="CountAsync"/>).</summary>
    public bool IsFinished(string stationId) => _finished.ContainsKey(stationId);

    /// <summary>The station's days counted by the last <see cref="CountAsync"/>.</summary>
    public StoredDayCounts Of(string stationId) => _last.GetValueOrDefault(stationId);

    private readonly Dictionary<string, StoredDayCounts> _last = [];

    public async Task<StoredDayCounts> CountAsync(CancellationToken cancellationToken)
    {
        var total = new StoredDayCounts();
        foreach (var station in asked)
        {
            if (!_finished.TryGetValue(station.StationId, out var counts))
            {
                counts = await StationDays.CountStoredAsync(store, [station], notBefore, cancellationToken);
                if (counts.Stored == station.DayCount)
                    _finished[station.StationId] = counts;
            }
            _last[station.StationId] = counts;
            total += counts;
        }
        return total;
    }
}
