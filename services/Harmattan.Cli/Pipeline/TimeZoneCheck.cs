using System.Collections.Concurrent;
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
    public static async Task WarnOfOtherZonesAsync(IPipelineStore store, IEnumerable<StationDays> asked, bool offerRefetch,
        CancellationToken cancellationToken)
    {
        foreach (var station in asked)
        {
            var fetches = await store.GetArchivedFetchesAsync(station.StationId, cancellationToken);
            if (fetches.Count > 0 && fetches.MaxBy(fetch => fetch.FetchedAt).TimeZone is var zone && !SameRules(zone, station.TimeZone))
                AnsiConsole.MarkupLineInterpolated(
                    $"[yellow]Warning:[/] station {station.StationId} was last fetched with its days cut in {zone}; this command cuts them in {station.TimeZone.Id} (Stations:N:TimeZone), and the days it stores replace those of the same dates. Give the command the services' station configuration; if {station.TimeZone.Id} is the station's new zone, restart the services with it{(offerRefetch ? $", and add --refetch to cut the days already stored again in {station.TimeZone.Id}" : "")}.");
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

    /// <summary>
    /// The zone named <paramref name="zone"/> cuts days as <paramref name="expected"/> does: the same id, an alias of it, or
    /// a zone whose rules differ only before 1970, long before any reading (Africa/Abidjan kept its local mean time until
    /// 1912, and has been UTC since).
    /// </summary>
    public static bool SameRules(string zone, TimeZoneInfo expected) =>
        zone == expected.Id || SameRulesCache.GetOrAdd((zone, expected.Id), _ =>
            StationsOptions.TryFindTimeZone(zone, out var found)
            && (found.HasSameRules(expected) || (found.BaseUtcOffset == expected.BaseUtcOffset
                                                 && RulesSince1970(found).SequenceEqual(RulesSince1970(expected)))));

    /// <summary>Asked for each stored day of a range; the rules of a zone do not change while the process runs.</summary>
    private static readonly ConcurrentDictionary<(string Zone, string Expected), bool> SameRulesCache = new();

    private static IEnumerable<TimeZoneInfo.AdjustmentRule> RulesSince1970(TimeZoneInfo zone) =>
        zone.GetAdjustmentRules().Where(rule => rule.DateEnd >= new DateTime(1970, 1, 1));
}
