using Harmattan.Contracts;

namespace Harmattan.Transformer;

/// <summary>What the data-quality rules did with the values of one fetch: one value is one quantity at one hour.</summary>
public sealed class ReadingOutcomes
{
    public long Accepted { get; set; }

    /// <summary>No value, or one that is not a number.</summary>
    public long Missing { get; private set; }

    /// <summary>NaN or an infinity.</summary>
    public long NotFinite { get; private set; }

    /// <summary>Outside the quantity's plausible range (sentinels such as -999).</summary>
    public long OutOfRange { get; private set; }

    /// <summary>Values of rows replaced by a later row with the same timestamp.</summary>
    public long RepeatedTimestamp { get; private set; }

    internal void Reject(double? value)
    {
        if (value is not { } v)
            Missing++;
        else if (!double.IsFinite(v))
            NotFinite++;
        else
            OutOfRange++;
    }

    /// <summary>Values of the rows inside the window that were not kept because a later row had their timestamp.</summary>
    internal void CountRepeatedTimestamps(RawReadingsFetched fetch, int[] keptRows)
    {
        long inWindow = 0, kept = 0;
        foreach (var reading in fetch.Readings)
            if (reading.Hour >= fetch.WindowStart && reading.Hour < fetch.WindowEnd)
                inWindow += reading.Values.Count;
        foreach (var row in keptRows)
            kept += fetch.Readings[row].Values.Count;
        RepeatedTimestamp += inWindow - kept;
    }
}
