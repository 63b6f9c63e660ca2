using System.Collections.Concurrent;

namespace Harmattan.Stations;

/// <summary>Whether two time zones cut a station's days alike.</summary>
public static class TimeZoneRules
{
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
