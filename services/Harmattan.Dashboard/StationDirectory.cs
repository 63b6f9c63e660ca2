using Harmattan.Stations;
using Harmattan.Storage;
using Microsoft.Extensions.Options;

namespace Harmattan.Dashboard;

/// <summary>
/// A station the dashboard shows: its id, its configured name (or none), the time zone that cuts its days and what the
/// store holds of it.
/// </summary>
public sealed record KnownStation(string Id, string? Name, TimeZoneInfo TimeZone, StationActivity Activity = default)
{
    /// <summary>The UTC instant at which <paramref name="day"/> begins in the station's time zone (23 or 25 hours on clock changes).</summary>
    public DateTimeOffset StartOfDay(DateOnly day) => DayWindows.StartOfDay(day, TimeZone);

    public DateOnly Today(DateTimeOffset now) => DayWindows.LocalDate(now, TimeZone);
}

/// <summary>
/// The stations with data in the store, plus the configured ones that have none yet. Names come from the configuration
/// (<c>Stations:N:Name</c>). The time zone is the one the station's latest archived fetch cut its days in: the stored
/// days and hours are grouped as the services cut them, whatever the dashboard's own <c>Stations:N:TimeZone</c> says
/// (which counts only for a station not fetched yet; UTC when it is not configured either).
/// </summary>
public sealed class StationDirectory(IPipelineStore store, IOptions<StationsOptions> options)
{
    public async Task<IReadOnlyList<KnownStation>> ListAsync(CancellationToken cancellationToken)
    {
        var configured = options.Value.Stations;
        var stored = Listable(await store.GetStationIdsAsync(cancellationToken));
        var stations = new List<KnownStation>();
        foreach (var id in configured.Select(s => s.Id).Concat(stored.Where(id => configured.All(s => s.Id != id))).Distinct(StringComparer.Ordinal))
            stations.Add(await DescribeAsync(id, cancellationToken));
        return stations;
    }

    public async Task<KnownStation?> FindAsync(string id, CancellationToken cancellationToken) =>
        options.Value.Stations.Any(s => s.Id == id) || Listable(await store.GetStationIdsAsync(cancellationToken)).Contains(id)
            ? await DescribeAsync(id, cancellationToken)
            : null;

    /// <summary>
    /// The stored ids a station could have: one that breaks <see cref="StationId.Rule"/> (terminal escape sequences, line
    /// breaks, megabytes) was put on the broker by hand, not fetched from AirQino, and is neither listed nor served.
    /// </summary>
    private static IEnumerable<string> Listable(IEnumerable<string> stored) => stored.Where(StationId.IsValid);

    private async Task<KnownStation> DescribeAsync(string id, CancellationToken cancellationToken)
    {
        var activity = await store.GetStationActivityAsync(id, cancellationToken);
        var configured = options.Value.Stations.FirstOrDefault(s => s.Id == id);
        var zone = StationsOptions.ZoneOfDays(activity.LastFetchTimeZone, configured?.TimeZone);
        return new KnownStation(id, string.IsNullOrWhiteSpace(configured?.Name) ? null : configured.Name, zone, activity);
    }
}
