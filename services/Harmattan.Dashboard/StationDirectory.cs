using Harmattan.Stations;
using Harmattan.Storage;
using Microsoft.Extensions.Options;

namespace Harmattan.Dashboard;

/// <summary>A station the dashboard shows: its id, its configured name (or none) and the time zone that cuts its days.</summary>
public sealed record KnownStation(string Id, string? Name, TimeZoneInfo TimeZone)
{
    /// <summary>The UTC instant at which <paramref name="day"/> begins in the station's time zone (23 or 25 hours on clock changes).</summary>
    public DateTimeOffset StartOfDay(DateOnly day) => DayWindows.StartOfDay(day, TimeZone);

    public DateOnly Today(DateTimeOffset now) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, TimeZone).DateTime);
}

/// <summary>
/// The stations with data in the store, plus the configured ones that have none yet; names and time zones come from
/// the configuration (<c>Stations:N:Name</c>, <c>Stations:N:TimeZone</c>, UTC when a station is not configured).
/// </summary>
public sealed class StationDirectory(IPipelineStore store, IOptions<DashboardOptions> options)
{
    public async Task<IReadOnlyList<KnownStation>> ListAsync(CancellationToken cancellationToken)
    {
        var configured = options.Value.Stations;
        var stored = await store.GetStationIdsAsync(cancellationToken);
        return configured.Select(s => s.Id)
            .Concat(stored.Where(id => configured.All(s => s.Id != id)))
            .Distinct(StringComparer.Ordinal)
            .Select(Describe)
            .ToList();
    }

    public async Task<KnownStation?> FindAsync(string id, CancellationToken cancellationToken) =>
        options.Value.Stations.Any(s => s.Id == id) || (await store.GetStationIdsAsync(cancellationToken)).Contains(id)
            ? Describe(id)
            : null;

    private KnownStation Describe(string id)
    {
        var configured = options.Value.Stations.FirstOrDefault(s => s.Id == id);
        var zone = configured is not null && TimeZoneInfo.TryFindSystemTimeZoneById(configured.TimeZone, out var found) ? found : TimeZoneInfo.Utc;
        return new KnownStation(id, string.IsNullOrWhiteSpace(configured?.Name) ? null : configured.Name, zone);
    }
}
