namespace Harmattan.Cli.Pipeline;

/// <summary>Every range the CLI prints is of days, both ends included, as the options read them.</summary>
public static class DayRange
{
    public static string Format(DateOnly from, DateOnly to) => $"{from:yyyy-MM-dd}..{to:yyyy-MM-dd}";

    /// <summary>A message's UTC window [start, end) as the local days it covers in <paramref name="timeZone"/>.</summary>
    public static string Format(DateTimeOffset windowStart, DateTimeOffset windowEnd, string timeZone)
    {
        var zone = StationsOptions.TryFindTimeZone(timeZone, out var found) ? found : TimeZoneInfo.Utc;
        var (first, last) = DayWindows.DaysOf(windowStart, windowEnd, zone);
        return Format(first, last);
    }
}
