using Harmattan.Contracts;
using Harmattan.Stations;
using Harmattan.Storage;

namespace Harmattan.Cli.Pipeline;

/// <summary>
/// What a backfill still has to fetch: the asked days minus those already stored from a fetch made after the day
/// had ended (what the source had for a finished day, complete or not), so that running the same command again after
/// an interruption only fetches the rest. A day stored while it was still in progress is fetched again, and so is a day
/// cut in another zone than the station's, once the services fetch it in the station's zone: a station whose zone was
/// corrected (UTC to Europe/Paris, say) gets its history cut again by a plain backfill, rather than a summary calling
/// the days cut the old way stored.
/// </summary>
public sealed class BackfillPlan
{
    private readonly Dictionary<string, HashSet<DateOnly>> _alreadyStored;

    /// <summary>Per station, the stored days fetched again to be cut in its zone; null with --refetch, which fetches every day.</summary>
    private readonly Dictionary<string, HashSet<DateOnly>>? _recut;

    private BackfillPlan(IReadOnlyList<StationDays> asked, Dictionary<string, HashSet<DateOnly>> alreadyStored,
        Dictionary<string, HashSet<DateOnly>>? recut)
    {
        Asked = asked;
        _alreadyStored = alreadyStored;
        _recut = recut;
        CutInOtherZone = recut?.Values.Sum(days => days.Count) ?? 0;
        ToFetch = asked.SelectMany(station => MissingRuns(station, alreadyStored[station.StationId])).ToList();
    }

    /// <summary>Days stored after they ended, but cut in another zone than the station's: fetched again.</summary>
    public int CutInOtherZone { get; }

    public IReadOnlyList<StationDays> Asked { get; }

    /// <summary>Runs of consecutive days to fetch, per station.</summary>
    public IReadOnlyList<StationDays> ToFetch { get; }

    public int Total => Asked.Sum(s => s.DayCount);

    public int AlreadyStored => _alreadyStored.Values.Sum(days => days.Count);

    /// <param name="refetch">Fetch every asked day, even those already stored.</param>
    /// <param name="order">The stores' order of fetch times, at this command's clock.</param>
    public static async Task<BackfillPlan> CreateAsync(IPipelineStore store, IReadOnlyList<StationDays> asked, bool refetch,
        FetchTimeOrder order, CancellationToken cancellationToken)
    {
        var stored = new Dictionary<string, HashSet<DateOnly>>();
        var recut = new Dictionary<string, HashSet<DateOnly>>();
        foreach (var station in asked)
        {
            IReadOnlyList<StoredDailyAverage> days = refetch ? [] : await store.GetDailyAveragesAsync(station.StationId, station.From, station.To, cancellationToken);
            var final = days.Where(d => IsFinal(d, station.TimeZone, order)).ToList();
            recut[station.StationId] = [];
            // Only where the services cut the station's days in this command's zone: a command run without their station
            // configuration (warned of by TimeZoneCheck) must not replace every stored day with days cut in its own zone.
            if (final.Count > 0 && (await store.GetStationActivityAsync(station.StationId, cancellationToken)).LastFetchTimeZone is { } inUse
                && TimeZoneRules.SameRules(inUse, station.TimeZone))
            {
                recut[station.StationId] = [.. final.Where(day => day.IsCutInOtherZoneThan(station.TimeZone)).Select(day => day.Date)];
                final = [.. final.Where(day => !day.IsCutInOtherZoneThan(station.TimeZone))];
            }
            stored[station.StationId] = final.Select(d => d.Date).ToHashSet();
        }
        return new BackfillPlan(asked, stored, refetch ? null : recut);
    }

    /// <summary>
    /// Fetched once the day had ended in the zone it was cut in (else the station's), its last hour included: later
    /// fetches would find the same. Not a fetch stamped by a clock that ran ahead, made maybe while the day was still
    /// running, which the stores let a later fetch replace.
    /// </summary>
    public static bool IsFinal(StoredDailyAverage day, TimeZoneInfo zone, FetchTimeOrder order) =>
        day.SourceFetchedAt >= DayWindows.EndOfLastHour(day.Date, StationsOptions.TryFindTimeZone(day.TimeZone, out var cutIn) ? cutIn : zone)
        && !order.IsAhead(day.SourceFetchedAt);

    /// <summary>The days not in <paramref name="done"/>, as runs of consecutive days.</summary>
    public static IEnumerable<StationDays> MissingRuns(StationDays station, IReadOnlySet<DateOnly> done)
    {
        DateOnly? runStart = null;
        for (var day = station.From; day <= station.To; day = day.AddDays(1))
        {
            if (!done.Contains(day))
                runStart ??= day;
            else if (runStart is { } start)
            {
                yield return station with { From = start, To = day.AddDays(-1) };
                runStart = null;
            }
        }
        if (runStart is { } last)
            yield return station with { From = last, To = station.To };
    }

    /// <summary>
    /// The days still waiting that the store holds as last asked of the source before <paramref name="startedAt"/>, and the highest
    /// algorithm version among them: the loader keeps such a day when this run's result has an older algorithm version.
    /// </summary>
    public async Task<(int Days, int AlgorithmVersion)> HeldFromBeforeAsync(IPipelineStore store, DateTimeOffset startedAt,
        CancellationToken cancellationToken)
    {
        var (days, version) = (0, 0);
        foreach (var station in Asked)
            foreach (var day in await store.GetDailyAveragesAsync(station.StationId, station.From, station.To, cancellationToken))
                if (day.SourceCheckedAt < startedAt && !_alreadyStored[day.StationId].Contains(day.Date))
                    (days, version) = (days + 1, Math.Max(version, day.AlgorithmVersion));
        return (days, version);
    }

    /// <summary>
    /// Of the stored days fetched again to be cut in the station's zone (<see cref="CutInOtherZone"/>, or every day with
    /// --refetch), those still cut in another, by zone: not replaced, as AirQino sent no row for them (it may no longer serve
    /// days that old) and an answer without rows never replaces a day stored with rows.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, int>> StillCutInOtherZonesAsync(IPipelineStore store, CancellationToken cancellationToken)
    {
        var zones = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var station in Asked.Where(station => _recut is null || _recut[station.StationId].Count > 0))
            foreach (var day in await store.GetDailyAveragesAsync(station.StationId, station.From, station.To, cancellationToken))
                if (day.IsCutInOtherZoneThan(station.TimeZone) && (_recut is null || _recut[station.StationId].Contains(day.Date)))
                    zones[day.TimeZone!] = zones.GetValueOrDefault(day.TimeZone!) + 1;
        return zones;
    }

    /// <summary>
    /// The days of the plan the source sent no row for, as runs of consecutive days per station, among the days
    /// <see cref="CountStoredAsync"/> counts: the summary's "missing at the source" by station, so that a station AirQino
    /// answers nothing for shows by name among two dozen.
    /// </summary>
    public async Task<IReadOnlyList<StationDays>> MissingAtSourceAsync(IPipelineStore store, DateTimeOffset startedAt,
        CancellationToken cancellationToken)
    {
        var runs = new List<StationDays>();
        foreach (var station in Asked)
        {
            var missing = (await store.GetDailyAveragesAsync(station.StationId, station.From, station.To, cancellationToken))
                .Where(day => day.Coverage == DayCoverage.MissingAtSource && !station.IsRunning(day)
                    && (day.SourceCheckedAt >= startedAt || _alreadyStored[day.StationId].Contains(day.Date)))
                .Select(day => day.Date)
                .ToHashSet();
            var others = Enumerable.Range(0, station.DayCount).Select(station.From.AddDays).Where(day => !missing.Contains(day)).ToHashSet();
            runs.AddRange(MissingRuns(station, others));
        }
        return runs;
    }

    /// <summary>
    /// Days done: already stored before the backfill, or asked of the source since <paramref name="startedAt"/> (stored by a
    /// fetch made since, or kept because that fetch sent no row for a day that had rows).
    /// </summary>
    public Task<StoredDayCounts> CountStoredAsync(IPipelineStore store, DateTimeOffset startedAt, CancellationToken cancellationToken) =>
        StationDays.CountStoredAsync(store, Asked,
            day => day.SourceCheckedAt >= startedAt || _alreadyStored[day.StationId].Contains(day.Date), startedAt, cancellationToken);
}

/// <summary>Rate and time left of the days this backfill stores (days stored before it do not count).</summary>
public readonly record struct BackfillRate(int Fetched, int Remaining, TimeSpan Elapsed)
{
    // Under a second the rate is noise (days stored just before the start would read as thousands per second).
    public double? DaysPerSecond => Fetched > 0 && Elapsed >= TimeSpan.FromSeconds(1) ? Fetched / Elapsed.TotalSeconds : null;

    public TimeSpan? TimeLeft => Remaining == 0 ? TimeSpan.Zero : DaysPerSecond is { } rate ? TimeSpan.FromSeconds(Remaining / rate) : null;

    /// <summary>" (3.2 days/s)" for a summary, or nothing where the rate is unknown (no day fetched, or under a second).</summary>
    public string SummaryNote => DaysPerSecond is { } rate ? FormattableString.Invariant($" ({rate:0.0} days/s)") : "";

    public override string ToString() =>
        DaysPerSecond is { } rate && TimeLeft is { } left
            ? FormattableString.Invariant($"{rate:0.0} days/s, ETA {(int)left.TotalHours}:{left.Minutes:00}:{left.Seconds:00}")
            : "-- days/s, ETA --:--:--";
}
