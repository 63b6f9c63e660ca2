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
        using var id = new DeterministicGuid(256 + readings.Count * 160);
        id.Append(stationId).Append(windowStart.UtcTicks).Append(windowEnd.UtcTicks).Append(readings.Count);
        var order = new KeyOrder();
        foreach (var reading in readings)
        {
            id.Append(reading.Hour.UtcTicks);
            var (keys, values, sorted) = order.Sort(reading.Values);
            id.Append(sorted.Length);
            foreach (var i in sorted)
                id.Append(keys[i]).Append(values[i]);
        }
        return id.ToGuid();
    }

    /// <summary>The readings' keys in ordinal order; rows with the same keys in the same order (the usual case) reuse the last sort.</summary>
    private sealed class KeyOrder
    {
        private string[] _keys = new string[16];
        private double?[] _values = new double?[16];
        private string[] _lastKeys = [];
        private int[] _order = [];

        public (string[] Keys, double?[] Values, int[] Order) Sort(IReadOnlyDictionary<string, double?> row)
        {
            var count = row.Count;
            if (_keys.Length < count)
            {
                _keys = new string[count];
                _values = new double?[count];
            }
            var n = 0;
            if (row is Dictionary<string, double?> concrete)
                foreach (var (key, value) in concrete)
                    (_keys[n], _values[n++]) = (key, value);
            else
                foreach (var (key, value) in row)
                    (_keys[n], _values[n++]) = (key, value);

            if (!_keys.AsSpan(0, n).SequenceEqual(_lastKeys))
            {
                _lastKeys = _keys[..n];
                _order = Enumerable.Range(0, n).ToArray();
                Array.Sort(_keys[..n], _order, StringComparer.Ordinal);
            }
            return (_keys, _values, _order);
        }
    }
}
