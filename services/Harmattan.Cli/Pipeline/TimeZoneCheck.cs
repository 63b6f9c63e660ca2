using Harmattan.Stations;
using Harmattan.Storage;
using Spectre.Console;

namespace Harmattan.Cli.Pipeline;

/// <summary>
/// A station's days are cut in the time zone of the command that fetched them: a command configured with another zone
/// than the one the station was fetched in stores days that replace those of the same dates cut the other way. The
/// archive's latest fetch says which zone is in use; once a change of zone is meant and fetched, the warning ends.
/// </summary>
public static class TimeZoneCheck
{
    /// <param name="offerRefetch">
    /// Say that <c>--refetch</c> cuts the days already stored again: a backfill counts them as done, in whichever zone.
    /// </param>
    /// <param name="fetchedBefore">Only fetches made before it count: a command that sent before it checks must not see its own.</param>
    public static async Task WarnOfOtherZonesAsync(IPipelineStore store, IEnumerable<StationDays> asked, bool offerRefetch,
        CancellationToken cancellationToken, DateTimeOffset? fetchedBefore = null)
    {
        foreach (var station in asked)
        {
            var fetches = (await store.GetArchivedFetchesAsync(station.StationId, cancellationToken))
                .Where(fetch => fetchedBefore is not { } before || fetch.FetchedAt < before).ToList();
            if (fetches.Count > 0 && fetches.MaxBy(fetch => fetch.FetchedAt).TimeZone is var zone && !TimeZoneRules.SameRules(zone, station.TimeZone))
                AnsiConsole.MarkupLineInterpolated(
                    $"[yellow]Warning:[/] station {station.StationId} was last fetched with its days cut in {zone}; this command cuts them in {station.TimeZone.Id} (Stations:N:TimeZone), and the days it stores replace those of the same dates. Give the command the services' station configuration; if {station.TimeZone.Id} is the station's new zone, restart the services with it{(offerRefetch ? $": once they have fetched the station, the same backfill cuts the days already stored again in {station.TimeZone.Id} (--refetch: every day of the range)" : "")}. If they run with it already, commands sent with {zone} since (queued before the change, or from a trigger with the old settings) were fetched as sent: the extractor warns of each.");
        }
    }

    /// <summary>
    /// A station this command's configuration does not list is cut in UTC, and where the store holds no fetch of it yet
    /// nothing says which zone the services use: a new station backfilled from a machine without their configuration
    /// would get its history cut in UTC and its later days in the services' zone.
    /// </summary>
    public static async Task WarnOfUnconfiguredAsync(IPipelineStore store, IEnumerable<StationDays> asked,
        IReadOnlyCollection<string> configured, CancellationToken cancellationToken)
    {
        var unknown = new List<string>();
        foreach (var station in asked.Where(s => !configured.Contains(s.StationId)))
            if ((await store.GetStationActivityAsync(station.StationId, cancellationToken)).LastFetchTimeZone is null)
                unknown.Add(station.StationId);
        if (unknown.Count == 0)
            return;
        var (stations, are, their) = unknown.Count == 1 ? ("station", "is", "its") : ("stations", "are", "their");
        AnsiConsole.MarkupLineInterpolated(
            $"[yellow]Warning:[/] {stations} {string.Join(", ", unknown)} {are} not among this command's stations (Stations:N:Id) and not fetched yet, so {their} days are cut in UTC. If the services fetch {(unknown.Count == 1 ? "it" : "them")} in another time zone, give this command their station configuration.");
    }
}
