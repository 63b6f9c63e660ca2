namespace Harmattan.Stations;

/// <summary>A UTC interval [Start, End).</summary>
public readonly record struct UtcWindow(DateTimeOffset Start, DateTimeOffset End)
{
    /// <summary>Whether the window from <paramref name="start"/> to <paramref name="end"/> shares an instant with this one.</summary>
    public bool Overlaps(DateTimeOffset start, DateTimeOffset end) => start < End && end > Start;

    public override string ToString() => $"[{Start:yyyy-MM-ddTHH:mmZ}, {End:yyyy-MM-ddTHH:mmZ})";
}

/// <summary>
/// Windows of whole local days: a station's day runs from its local midnight to the next one, so with daylight
/// saving a day can last 23 or 25 hours.
/// </summary>
public static class DayWindows
{
    public const int MaxDaysPerFetch = 7;

    /// <summary>
    /// How far an hour's start, or a fetch, may lie after this machine's now and still be taken for past (the source's
    /// clock and this machine's a little apart); later, it has no readings yet, and a clock is wrong. (The stores order a
    /// fetch stamped ahead as the oldest of all only beyond a day, FetchTimeOrder.AheadTolerance: that one decides which
    /// write wins, this one what is said and kept.)
    /// </summary>
    public static readonly TimeSpan ClockDifferenceAllowed = TimeSpan.FromMinutes(15);

    /// <summary><paramref name="instant"/> is later than <paramref name="now"/> by more than <see cref="ClockDifferenceAllowed"/>.</summary>
    public static bool IsAheadOf(DateTimeOffset instant, DateTimeOffset now) => instant > now + ClockDifferenceAllowed;

    /// <summary>
    /// The UTC instant at which <paramref name="day"/> begins in <paramref name="zone"/>: the first instant whose local
    /// date is that day (the first of two midnights when the clocks went back over it; the jump when they skipped it), or,
    /// for a day the clocks skipped whole, the start of the next one.
    /// </summary>
    public static DateTimeOffset StartOfDay(DateOnly day, TimeZoneInfo zone)
    {
        // Found from UTC instants, whose conversion is right, not from what the zone says of its local midnight: it calls
        // some skipped midnights valid (America/Asuncion on 1 October 2023), which put a day's start an hour early. Midnight
        // is tried at the offset of the day before and of the day after; the earlier that falls on the day or later wins.
        var midnight = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var before = zone.GetUtcOffset(midnight.AddDays(-1));
        var start = DateTime.MaxValue;
        foreach (var offset in (ReadOnlySpan<TimeSpan>)[before, zone.GetUtcOffset(midnight.AddDays(1))])
        {
            var candidate = midnight - offset;
            if (candidate < start && DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(candidate, zone)) >= day)
                start = candidate;
        }
        return new DateTimeOffset(start == DateTime.MaxValue ? midnight - before : start, TimeSpan.Zero);
    }

    /// <summary>
    /// AirQino's hours in [<paramref name="start"/>, <paramref name="end"/>): the UTC hour starts, which a reading can
    /// cover. A day of a zone whose clocks move by half an hour (Australia/Lord_Howe) or of a half-hour offset
    /// (Asia/Kolkata) begins between two of them, so this is not its length rounded.
    /// </summary>
    public static int HourStartsIn(DateTimeOffset start, DateTimeOffset end) =>
        (int)(HourStartsBefore(end.UtcTicks) - HourStartsBefore(start.UtcTicks));

    private static long HourStartsBefore(long ticks) => (ticks + TimeSpan.TicksPerHour - 1) / TimeSpan.TicksPerHour;

    /// <summary>
    /// When the last of AirQino's hours of <paramref name="day"/> ends: the day holds the UTC hours that start in it, so
    /// where it does not end on a UTC hour (a half-hour offset: Asia/Kolkata's day ends at 18:30Z) its last hour runs on
    /// past its end (to 19:00Z). Until then a fetch cannot hold that hour: the day has not ended for its data.
    /// </summary>
    public static DateTimeOffset EndOfLastHour(DateOnly day, TimeZoneInfo zone) => EndOfLastHourBefore(StartOfDay(day.AddDays(1), zone));

    /// <summary>The end of the last UTC hour that starts before <paramref name="end"/>: <paramref name="end"/> rounded up to the hour.</summary>
    public static DateTimeOffset EndOfLastHourBefore(DateTimeOffset end) =>
        new(HourStartsBefore(end.UtcTicks) * TimeSpan.TicksPerHour, TimeSpan.Zero);

    /// <summary>
    /// Whether <paramref name="day"/>, cut in the zone <paramref name="zoneId"/> (UTC when unknown), had not ended at
    /// <paramref name="fetchedAt"/>, its last hour included: a stored day fetched then is still running, its hours not all
    /// in yet.
    /// </summary>
    public static bool NotEndedAt(DateOnly day, string? zoneId, DateTimeOffset fetchedAt) =>
        EndOfLastHour(day, StationsOptions.TryFindTimeZone(zoneId, out var zone) ? zone : TimeZoneInfo.Utc) > fetchedAt;

    /// <summary>The local calendar day of an instant.</summary>
    public static DateOnly LocalDate(DateTimeOffset instant, TimeZoneInfo zone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, zone).DateTime);

    /// <summary>The first and last local days of the window [<paramref name="start"/>, <paramref name="end"/>).</summary>
    public static (DateOnly First, DateOnly Last) DaysOf(DateTimeOffset start, DateTimeOffset end, TimeZoneInfo zone) =>
        (LocalDate(start, zone), LocalDate(end.AddTicks(-1), zone));

    /// <summary>The UTC window of the local days <paramref name="from"/> to <paramref name="to"/>, both included.</summary>
    public static UtcWindow ForDays(DateOnly from, DateOnly to, TimeZoneInfo zone)
    {
        if (to < from)
            throw new ArgumentException($"The last day {to:yyyy-MM-dd} is before the first day {from:yyyy-MM-dd}.", nameof(to));
        return new UtcWindow(StartOfDay(from, zone), StartOfDay(to.AddDays(1), zone));
    }

    /// <summary>
    /// The <paramref name="days"/> local days that end with the day containing <paramref name="now"/>
    /// (e.g. 2 = yesterday and today).
    /// </summary>
    public static UtcWindow LastDays(DateTimeOffset now, int days, TimeZoneInfo zone)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(days, 1);
        var today = LocalDate(now, zone);
        return ForDays(today.AddDays(1 - days), today, zone);
    }

    /// <summary>
    /// Cuts [start, end) at local midnights into windows of at most <paramref name="maxDays"/> days each.
    /// A start or end that is not a local midnight gives a shorter first or last window.
    /// </summary>
    public static IReadOnlyList<UtcWindow> Split(DateTimeOffset start, DateTimeOffset end, TimeZoneInfo zone, int maxDays = MaxDaysPerFetch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDays, 1);
        if (end <= start)
            throw new ArgumentException($"The window end {end:O} is not after its start {start:O}.", nameof(end));

        var windows = new List<UtcWindow>();
        var chunkStart = start.ToUniversalTime();
        end = end.ToUniversalTime();
        while (chunkStart < end)
        {
            var next = StartOfDay(LocalDate(chunkStart, zone).AddDays(maxDays), zone);
            var chunkEnd = next < end ? next : end;
            windows.Add(new UtcWindow(chunkStart, chunkEnd));
            chunkStart = chunkEnd;
        }
        return windows;
    }
}
