using Harmattan.Contracts;
using Harmattan.Hosting;

namespace Harmattan.Stations;

/// <summary>
/// What a message must hold before the transformer computes it or the loader stores it. The extractor and the
/// transformer never publish anything else, but a message put on the broker by hand or by another program could: a
/// station id that breaks the id rule (readers refuse to list it), a quantity name that is no MongoDB field name nor CSV
/// header, a time zone no reader can resolve, a missing list that would fail the whole batch at the store, or a window
/// of centuries that a few hundred bytes would turn into millions of days.
/// </summary>
public static class MessageRules
{
    /// <summary>
    /// The longest window a message may cover: the extractor cuts <see cref="DayWindows.MaxDaysPerFetch"/> local days at
    /// most, and a local day lasts up to 48 hours where a zone moved its clocks back by a day.
    /// </summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(DayWindows.MaxDaysPerFetch + 2);

    public static string? ProblemOf(AveragesComputed message)
    {
        if (ProblemOf(message.StationId, message.TimeZone, message.WindowStart, message.WindowEnd) is { } problem)
            return problem;
        if (message.Hourly is null || message.Daily is null)
            return $"its {(message.Hourly is null ? "hourly" : "daily")} rows are null";
        IEnumerable<string>? checkedNames = null;
        foreach (var hour in message.Hourly)
            if (hour?.Quantities is null)
                return "an hourly row or its quantities are null";
            else if (ProblemOf(hour.Quantities.Keys, ref checkedNames) is { } names)
                return $"the hour {hour.Hour:u} has {names}";
        foreach (var day in message.Daily)
        {
            if (day?.Quantities is null)
                return "a daily row or its quantities are null";
            // Not 23 to 25 hours: Antarctica/Troll's clocks move by two hours, and zones that changed their offset had
            // longer or shorter days still, down to none (Pacific/Apia skipped 30 December 2011).
            if (day.HoursInDay is < 0 or > 48 || day.HoursCovered < 0 || day.HoursCovered > day.HoursInDay
                || !(day.Completeness is >= 0 and <= 1))
                return $"the day {day.Date:yyyy-MM-dd} covers {day.HoursCovered} of {day.HoursInDay} hours with completeness " +
                       $"{day.Completeness}: a day has 0 to 48 hours, covers 0 to all of them, and its completeness is between 0 and 1";
            if (ProblemOf(day.Quantities.Keys, ref checkedNames) is { } names)
                return $"the day {day.Date:yyyy-MM-dd} has {names}";
        }
        return null;
    }

    public static string? ProblemOf(RawReadingsFetched message)
    {
        if (ProblemOf(message.StationId, message.TimeZone, message.WindowStart, message.WindowEnd) is { } problem)
            return problem;
        if (message.Readings is null)
            return "its readings are null";
        IEnumerable<string>? checkedNames = null;
        foreach (var reading in message.Readings)
            if (reading?.Values is null)
                return "a reading or its values are null";
            else if (ProblemOf(reading.Values.Keys, ref checkedNames) is { } names)
                return $"the reading of {reading.Hour:u} has {names}";
        return null;
    }

    private static string? ProblemOf(string stationId, string timeZone, DateTimeOffset windowStart, DateTimeOffset windowEnd)
    {
        if (StationId.ProblemOf(stationId) is { } problem)
            return problem;
        // As the stations' settings are checked: a zone .NET finds only in some processes (a Windows id, an IANA id in
        // other letter case once the process has met the zone) would be refused by one replica and stored by another,
        // under an id the readers then do not resolve.
        if (!StationsOptions.TryFindTimeZone(timeZone, out _))
            return $"its time zone '{PrintableText.Of(timeZone, 64)}' is not one this system knows (an IANA id such as Africa/Abidjan, spelt as the IANA spells it)";
        if (windowEnd <= windowStart)
            return $"its window ends ({windowEnd:u}) at or before it starts ({windowStart:u})";
        if (windowEnd - windowStart > MaxWindow)
            return $"its window, {windowStart:u} to {windowEnd:u}, is longer than the {MaxWindow.TotalDays:0} days a message " +
                   $"may cover (a fetch is cut in messages of at most {DayWindows.MaxDaysPerFetch} local days)";
        return null;
    }

    /// <param name="lastChecked">The names checked last: rows of one shape share their names (one QuantityKeys), so
    /// a message's rows are checked once per shape rather than once per row.</param>
    private static string? ProblemOf(IEnumerable<string> quantityNames, ref IEnumerable<string>? lastChecked)
    {
        if (ReferenceEquals(quantityNames, lastChecked))
            return null;
        foreach (var name in quantityNames)
            if (!QuantityNames.IsCanonical(name))
                return $"the quantity name '{PrintableText.Of(name, 64)}': quantity names are {QuantityNames.Rule}";
        lastChecked = quantityNames;
        return null;
    }
}
