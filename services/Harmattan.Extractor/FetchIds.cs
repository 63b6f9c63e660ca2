using Harmattan.Contracts;

namespace Harmattan.Extractor;

/// <summary>
/// The id of a fetched chunk is a hash of what it says, so fetching the same data again gives the same id and
/// downstream stores recognise the repeat.
/// </summary>
public static class FetchIds
{
    /// <summary>
    /// A version-8 (RFC 9562, custom) GUID from SHA-256 over the station id, the UTC window and the readings in
    /// order (hour, then each value by ordinal key: key, presence of a number, its IEEE 754 bits).
    /// </summary>
    public static Guid For(string stationId, DateTimeOffset windowStart, DateTimeOffset windowEnd, IReadOnlyList<RawReading> readings)
    {
        using var id = new DeterministicGuid();
        id.Append(stationId).Append(windowStart.UtcTicks).Append(windowEnd.UtcTicks).Append(readings.Count);
        var keys = new List<string>();
        foreach (var reading in readings)
        {
            id.Append(reading.Hour.UtcTicks);
            keys.Clear();
            keys.AddRange(reading.Values.Keys);
            keys.Sort(StringComparer.Ordinal);
            id.Append(keys.Count);
            foreach (var key in keys)
                id.Append(key).Append(reading.Values[key]);
        }
        return id.ToGuid();
    }
}
