namespace Harmattan.Contracts;

/// <summary>What a day's averages say of the rows its source sent.</summary>
public enum DayCoverage
{
    /// <summary>The source sent no row for the day.</summary>
    MissingAtSource,

    /// <summary>The source sent rows, and every value was rejected (not a number, or outside the quality ranges).</summary>
    AllRejected,

    Incomplete,
    Complete,
}

public static class DayCoverages
{
    /// <summary>
    /// A day without a covered hour is missing at the source only when the source sent no row for it (no quantity was
    /// seen); rows whose every value was rejected (numbers sent as strings, sentinels) are the values' fault, not the
    /// source's silence.
    /// </summary>
    public static DayCoverage Of(int hoursCovered, int quantitiesSeen, bool isComplete) => (hoursCovered, quantitiesSeen) switch
    {
        (0, 0) => DayCoverage.MissingAtSource,
        (0, _) => DayCoverage.AllRejected,
        _ => isComplete ? DayCoverage.Complete : DayCoverage.Incomplete,
    };

    public static DayCoverage Coverage(this DailyAverage day) => Of(day.HoursCovered, day.Quantities.Count, day.IsComplete);
}
