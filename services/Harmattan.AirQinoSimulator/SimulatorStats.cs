using System.Collections.Concurrent;

namespace Harmattan.AirQinoSimulator;

/// <summary>Requests served, per station and HTTP status.</summary>
public sealed class SimulatorStats
{
    private readonly ConcurrentDictionary<(string StationId, int Status), int> _counts = new();
    private readonly ConcurrentDictionary<string, long> _requestNumbers = new(StringComparer.Ordinal);

    public int Count(string stationId, int status) => _counts.GetValueOrDefault((stationId, status));

    public int Requests(string stationId) => _counts.Where(e => e.Key.StationId == stationId).Sum(e => e.Value);

    public int Total => _counts.Values.Sum();

    /// <summary>Station id -> status -> count.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<int, int>> Snapshot() =>
        _counts.GroupBy(e => e.Key.StationId, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyDictionary<int, int>)g.OrderBy(e => e.Key.Status)
                .ToDictionary(e => e.Key.Status, e => e.Value), StringComparer.Ordinal);

    public void Reset()
    {
        _counts.Clear();
        _requestNumbers.Clear();
    }

    internal long NextRequestNumber(string stationId) => _requestNumbers.AddOrUpdate(stationId, 1, (_, n) => n + 1);

    internal void Record(string stationId, int status) => _counts.AddOrUpdate((stationId, status), 1, (_, n) => n + 1);
}
