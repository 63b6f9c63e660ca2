using System.Collections.Concurrent;
using Harmattan.Contracts;
using Harmattan.Storage;
using MassTransit;

namespace Harmattan.Cli.Operations;

/// <summary>
/// The fetches a replay re-sent and what became of them: the averages the transformer computed from each (seen on a
/// temporary queue bound to <see cref="AveragesComputed"/>), and whether the store reflects them.
/// </summary>
public sealed class ReplayProgress(TimeProvider? time = null)
{
    private readonly ConcurrentDictionary<Guid, AveragesComputed?> _results = new();
    private readonly ConcurrentDictionary<Guid, bool> _stored = new();

    public int Expected => _results.Count;
    public int Computed => _results.Values.Count(r => r is not null);
    public int Stored => _stored.Count;

    public bool IsExpected(Guid fetchId) => _results.ContainsKey(fetchId);

    public void Expect(IEnumerable<Guid> fetchIds)
    {
        foreach (var id in fetchIds)
            _results.TryAdd(id, null);
    }

    /// <summary>Keeps the averages of a replayed fetch; others (the hourly schedule's, say) are not this replay's.</summary>
    public void Record(AveragesComputed averages)
    {
        if (_results.ContainsKey(averages.SourceFetchId))
            _results[averages.SourceFetchId] = averages;
    }

    public IReadOnlyList<AveragesComputed> Results => [.. _results.Values.OfType<AveragesComputed>()];

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
        foreach (var result in Results.Where(r => !_stored.ContainsKey(r.SourceFetchId)))
        {
            if (result.Daily.Count > 0)
            {
                var rows = await store.GetDailyAveragesAsync(result.StationId, result.Daily.Min(d => d.Date),
                    result.Daily.Max(d => d.Date), cancellationToken);
                var reflected = result.Daily.All(day => rows.Any(row => row.Date == day.Date && Reflects(row, day, result, order)));
                if (!reflected)
                    continue;
            }
            _stored.TryAdd(result.SourceFetchId, true);
        }
    }

    /// <summary>
    /// The days of the computed results that the store holds at a higher algorithm version than the result's, the
    /// fetches they belong to and the highest such version. The loader keeps those rows, so the replay did not
    /// recompute them, although <see cref="CheckStoreAsync"/> counts their fetches as stored (there is nothing to wait for).
    /// </summary>
    public async Task<(int Days, int Fetches, int AlgorithmVersion)> HeldByNewerVersionAsync(IPipelineStore store,
        CancellationToken cancellationToken)
    {
        var (days, fetches, version) = (0, 0, 0);
        foreach (var result in Results.Where(r => r.Daily.Count > 0))
        {
            var rows = await store.GetDailyAveragesAsync(result.StationId, result.Daily.Min(d => d.Date),
                result.Daily.Max(d => d.Date), cancellationToken);
            var held = rows.Where(row => row.AlgorithmVersion > result.AlgorithmVersion
                                         && result.Daily.Any(day => day.Date == row.Date)).ToList();
            if (held.Count == 0)
                continue;
            (days, fetches, version) = (days + held.Count, fetches + 1, Math.Max(version, held.Max(row => row.AlgorithmVersion)));
        }
        return (days, fetches, version);
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
