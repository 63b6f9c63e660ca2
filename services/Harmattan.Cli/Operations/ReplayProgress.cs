using System.Collections.Concurrent;
using Harmattan.Contracts;
using Harmattan.Storage;
using MassTransit;

namespace Harmattan.Cli.Operations;

/// <summary>
/// The fetches a replay re-sent and what became of them: the averages the transformer computed from each (seen on a
/// temporary queue bound to <see cref="AveragesComputed"/>), and whether the store reflects them. A result is kept only
/// until the store does, and without its hourly rows, so that a replay of years holds no more than what is in flight.
/// </summary>
public sealed class ReplayProgress(TimeProvider? time = null)
{
    private readonly ConcurrentDictionary<Guid, bool> _expected = new();
    private readonly ConcurrentDictionary<Guid, AveragesComputed> _waiting = new();
    private readonly ConcurrentDictionary<Guid, bool> _stored = new();
    private readonly ConcurrentDictionary<int, bool> _versions = new();
    private readonly Lock _heldLock = new();
    private readonly HeldByNewerVersion _held = new();

    public int Expected => _expected.Count;
    public int Computed => _expected.Values.Count(computed => computed);
    public int Stored => _stored.Count;

    /// <summary>The algorithm versions the transformer computed the replayed fetches with.</summary>
    public IReadOnlyList<int> AlgorithmVersions => [.. _versions.Keys.Order()];

    /// <summary>The results kept until the store reflects them.</summary>
    internal int Waiting => _waiting.Count;

    public bool IsExpected(Guid fetchId) => _expected.ContainsKey(fetchId);

    public void Expect(IEnumerable<Guid> fetchIds)
    {
        foreach (var id in fetchIds)
            _expected.TryAdd(id, false);
    }

    /// <summary>Keeps the averages of a replayed fetch; others (the hourly schedule's, say) are not this replay's.</summary>
    public void Record(AveragesComputed averages)
    {
        var fetchId = averages.SourceFetchId;
        if (!_expected.ContainsKey(fetchId))
            return;
        _expected[fetchId] = true;
        _versions.TryAdd(averages.AlgorithmVersion, true);
        if (!_stored.ContainsKey(fetchId))
            _waiting[fetchId] = averages with { Hourly = [] };
    }

    /// <summary>
    /// Marks as stored each computed result whose every day the store holds as computed, or at a newer (algorithm
    /// version, fetch time in the stores' <see cref="FetchTimeOrder"/>) that rightly won over it, or, for a day the result
    /// has no source row for, with rows (which such a day never replaces). A row of the same version from the same fetch
    /// must hold the result's figures: rules changed without raising the algorithm version give other figures under the
    /// same version, which only the loader's write puts in the store.
    /// </summary>
    public async Task CheckStoreAsync(IPipelineStore store, CancellationToken cancellationToken)
    {
        var order = FetchTimeOrder.Now(time ?? TimeProvider.System);
        foreach (var (result, rows) in await WithStoredDaysAsync(store, _waiting.Values, cancellationToken))
        {
            if (!result.Daily.All(day => rows.TryGetValue(day.Date, out var row) && Reflects(row, day, result, order)))
                continue;
            if (_stored.TryAdd(result.SourceFetchId, true))
                CountHeld(result, rows);
            _waiting.TryRemove(result.SourceFetchId, out _);
        }
    }

    /// <summary>
    /// The days of the computed results that the store holds at a higher algorithm version than the result's (each
    /// station-day once, however many replayed fetches cover it), the fetches they belong to and the highest such
    /// version. The loader keeps those rows, so the replay did not recompute them, although <see cref="CheckStoreAsync"/>
    /// counts their fetches as stored (there is nothing to wait for). Those of the stored results were counted when they
    /// were found stored (<see cref="StoredButHeld"/>); those still waiting are read now.
    /// </summary>
    public async Task<(int Days, int Fetches, int AlgorithmVersion)> HeldByNewerVersionAsync(IPipelineStore store,
        CancellationToken cancellationToken)
    {
        HeldByNewerVersion held;
        lock (_heldLock)
            held = _held.Copy();
        var waiting = _waiting.Values.Where(result => !_stored.ContainsKey(result.SourceFetchId));
        foreach (var (result, rows) in await WithStoredDaysAsync(store, waiting, cancellationToken))
            held.Add(result, rows);
        return (held.Days, held.Fetches, held.AlgorithmVersion);
    }

    /// <summary>Of the results counted as stored, those whose days the store holds at a newer algorithm version.</summary>
    public int StoredButHeld
    {
        get
        {
            lock (_heldLock)
                return _held.Fetches;
        }
    }

    /// <summary>
    /// Each result with the stored daily rows of its station, by date: one read per station, of the days its results
    /// span, as a loader that lags leaves many results waiting.
    /// </summary>
    private static async Task<List<(AveragesComputed Result, IReadOnlyDictionary<DateOnly, StoredDailyAverage> Rows)>> WithStoredDaysAsync(
        IPipelineStore store, IEnumerable<AveragesComputed> results, CancellationToken cancellationToken)
    {
        var withRows = new List<(AveragesComputed, IReadOnlyDictionary<DateOnly, StoredDailyAverage>)>();
        foreach (var station in results.GroupBy(result => result.StationId, StringComparer.Ordinal))
        {
            var dates = station.SelectMany(result => result.Daily).Select(day => day.Date).ToList();
            IReadOnlyDictionary<DateOnly, StoredDailyAverage> rows = dates.Count == 0
                ? new Dictionary<DateOnly, StoredDailyAverage>()
                : (await store.GetDailyAveragesAsync(station.Key, dates.Min(), dates.Max(), cancellationToken)).ToDictionary(row => row.Date);
            withRows.AddRange(station.Select(result => (result, rows)));
        }
        return withRows;
    }

    private void CountHeld(AveragesComputed result, IReadOnlyDictionary<DateOnly, StoredDailyAverage> rows)
    {
        lock (_heldLock)
            _held.Add(result, rows);
    }

    /// <summary>
    /// The station-days the store keeps at a newer algorithm version than a replayed result's: a set, as the fetches of
    /// a range overlap (the hourly schedule's two-day windows, a refetch) and several results cover the same day.
    /// </summary>
    private sealed class HeldByNewerVersion
    {
        private readonly HashSet<(string StationId, DateOnly Date)> _days = [];

        public int Days => _days.Count;
        public int Fetches { get; private set; }
        public int AlgorithmVersion { get; private set; }

        public void Add(AveragesComputed result, IReadOnlyDictionary<DateOnly, StoredDailyAverage> rows)
        {
            var newer = result.Daily.Select(day => rows.GetValueOrDefault(day.Date))
                .OfType<StoredDailyAverage>().Where(row => row.AlgorithmVersion > result.AlgorithmVersion).ToList();
            if (newer.Count == 0)
                return;
            foreach (var row in newer)
                _days.Add((result.StationId, row.Date));
            Fetches++;
            AlgorithmVersion = Math.Max(AlgorithmVersion, newer.Max(row => row.AlgorithmVersion));
        }

        public HeldByNewerVersion Copy()
        {
            var copy = new HeldByNewerVersion { Fetches = Fetches, AlgorithmVersion = AlgorithmVersion };
            copy._days.UnionWith(_days);
            return copy;
        }
    }

    private static bool Reflects(StoredDailyAverage row, DailyAverage day, AveragesComputed result, FetchTimeOrder order) =>
        (day.Coverage() == DayCoverage.MissingAtSource && row.Coverage != DayCoverage.MissingAtSource)
        || row.AlgorithmVersion > result.AlgorithmVersion
        || (row.AlgorithmVersion == result.AlgorithmVersion
            && ((row.SourceFetchedAt != result.SourceFetchedAt && order.NotOlder(row.SourceFetchedAt, result.SourceFetchedAt))
                || (row.SourceFetchedAt == result.SourceFetchedAt && (row.SourceFetchId != result.SourceFetchId || SameFigures(row, day)))));

    private static bool SameFigures(StoredDailyAverage row, DailyAverage day) =>
        row.HoursCovered == day.HoursCovered && row.HoursInDay == day.HoursInDay && row.Completeness == day.Completeness
        && row.IsComplete == day.IsComplete && row.Quantities.Count == day.Quantities.Count
        && day.Quantities.All(q => row.Quantities.TryGetValue(q.Key, out var stored) && stored == q.Value);
}

/// <summary>Feeds <see cref="ReplayProgress"/>; bound to a temporary queue that lives as long as the command.</summary>
public sealed class ReplayedAveragesConsumer(ReplayProgress progress) : IConsumer<AveragesComputed>
{
    public Task Consume(ConsumeContext<AveragesComputed> context)
    {
        progress.Record(context.Message);
        return Task.CompletedTask;
    }
}
