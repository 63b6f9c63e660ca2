using Harmattan.Stations;
using Harmattan.Storage;

namespace Harmattan.Cli.Pipeline;

/// <summary>
/// Two stored days in a row cut in zones of different offsets, after a change of a station's zone: the first ends after
/// the second begins, and the hours between are in both daily averages, or ends before, and the hours between are in
/// neither.
/// </summary>
/// <param name="HoursInBoth">AirQino's hours (UTC hour starts) that both days hold.</param>
/// <param name="HoursInNeither">AirQino's hours between the two days, which neither holds.</param>
public sealed record ZoneSeam(StoredDailyAverage Earlier, StoredDailyAverage Later, int HoursInBoth, int HoursInNeither)
{
    /// <summary>
    /// The seam between <paramref name="earlier"/> and the next day, <paramref name="later"/>; null where no hour lies in
    /// both or in neither (their zones begin the day within the same UTC hour), or where they are not next to each other.
    /// A row that records no zone is cut in <paramref name="zoneWhenUnknown"/>.
    /// </summary>
    public static ZoneSeam? Between(StoredDailyAverage earlier, StoredDailyAverage later, TimeZoneInfo zoneWhenUnknown)
    {
        if (earlier.Date.AddDays(1) != later.Date)
            return null;
        var end = DayWindows.StartOfDay(later.Date, ZoneOf(earlier, zoneWhenUnknown));
        var start = DayWindows.StartOfDay(later.Date, ZoneOf(later, zoneWhenUnknown));
        var inBoth = Math.Max(0, DayWindows.HourStartsIn(start, end));
        var inNeither = Math.Max(0, DayWindows.HourStartsIn(end, start));
        return inBoth == 0 && inNeither == 0 ? null : new ZoneSeam(earlier, later, inBoth, inNeither);
    }

    private static TimeZoneInfo ZoneOf(StoredDailyAverage day, TimeZoneInfo zoneWhenUnknown) =>
        StationsOptions.TryFindTimeZone(day.TimeZone, out var zone) ? zone : zoneWhenUnknown;
}
