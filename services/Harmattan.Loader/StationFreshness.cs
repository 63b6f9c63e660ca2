using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Harmattan.Contracts;
using Harmattan.Hosting;
using Harmattan.Hosting.Telemetry;
using Harmattan.Stations;
using Harmattan.Storage;

namespace Harmattan.Loader;

/// <summary>
/// <c>harmattan_station_data_age_seconds{station}</c>: how old the newest stored hour of each station is, measured from
/// the end of that hour, zero while it is in progress (as <c>harmattan status</c> measures it), and +Inf for a configured
/// station the store holds no hour of (so an alert on the age fires for it too). An hour that begins later than the
/// loader's clock allows (<see cref="DayWindows.IsAheadOf"/>: a source's clock ahead, or this machine's behind) has no age
/// that can be told: the gauge is then negative, minus the time until that hour begins, for an alert of its own. The
/// newest hour follows the loader's own writes and is re-read from the store every <see cref="RefreshInterval"/>, so
/// other loader replicas' writes show too.
/// Only the configured stations are reported, as <c>harmattan status --max-age</c> checks only them: a station removed
/// from the configuration, whose history a replay or a backfill stores again, would otherwise keep the stale-station
/// alert firing until the loader restarts.
/// </summary>
public sealed class StationFreshness : StoppableBackgroundService
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(1);

    /// <summary>Before the store was first read: no age is reported, rather than a false "no data".</summary>
    private static readonly DateTimeOffset NotReadYet = DateTimeOffset.MinValue;

    /// <summary>The store was read and holds no hour of the station.</summary>
    private static readonly DateTimeOffset NothingStored = DateTimeOffset.MinValue.AddTicks(1);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _newestHour = new(StringComparer.Ordinal);
    private readonly IPipelineStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<StationFreshness> _logger;

    public StationFreshness(IPipelineStore store, TimeProvider time, IMeterFactory meters, IEnumerable<string> stations,
        ILogger<StationFreshness> logger)
    {
        (_store, _time, _logger) = (store, time, logger);
        foreach (var station in stations)
            _newestHour.TryAdd(station, NotReadYet);
        // From the container's meter factory, so the gauge ends with this host (tests run several in one process).
        meters.Create(HarmattanTelemetry.Name).CreateObservableGauge(HarmattanTelemetry.StationDataAge, Observe, unit: "s",
            description: "Age of the newest stored hour of each station, from the end of that hour");
    }

    public void Stored(IEnumerable<AveragesComputed> batch)
    {
        foreach (var averages in batch)
            if (averages.Hourly.Count > 0 && _newestHour.ContainsKey(averages.StationId))
                Advance(averages.StationId, averages.Hourly.Max(h => h.Hour));
    }

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RefreshInterval, _time);
        // Said once per station, and again when the reason changes: until a read succeeds no age is reported, and an
        // alert on the ages missing must be explained by the log.
        var failing = new Dictionary<string, string>(StringComparer.Ordinal);
        do
        {
            foreach (var station in _newestHour.Keys)
            {
                try
                {
                    var activity = await _store.GetStationActivityAsync(station, stoppingToken);
                    Advance(station, activity.LastReadingHour ?? NothingStored);
                    if (failing.Remove(station))
                        _logger.LogInformation("The newest hour of station {StationId} is read from the store again", station);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    if (!failing.TryGetValue(station, out var reason) || reason != ex.Message)
                        _logger.LogWarning("Could not read the newest hour of station {StationId}, so its data age is not reported: {Reason}",
                            station, ex.Message);
                    failing[station] = ex.Message;
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private void Advance(string station, DateTimeOffset hour) =>
        _newestHour.AddOrUpdate(station, hour, (_, known) => hour > known ? hour : known);

    private IEnumerable<Measurement<double>> Observe()
    {
        var now = _time.GetUtcNow();
        foreach (var (station, hour) in _newestHour)
        {
            if (hour == NotReadYet)
                continue;
            var age = hour == NothingStored ? double.PositiveInfinity
                : DayWindows.IsAheadOf(hour, now) ? (now - hour).TotalSeconds
                : StationActivity.AgeOfHour(hour, now).TotalSeconds;
            yield return new Measurement<double>(age, new KeyValuePair<string, object?>("station", station));
        }
    }
}
