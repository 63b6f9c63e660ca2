using System.Buffers.Binary;
using System.Text;
using Harmattan.Contracts;
using Harmattan.Hosting;

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
        var orders = new Dictionary<QuantityKeys, KeyOrder>();
        KeyOrder? order = null;
        foreach (var reading in readings)
        {
            id.Append(reading.Hour.UtcTicks);
            var row = QuantityMap<double?>.From(reading.Values);
            // Consecutive rows usually share one key set instance: no lookup then.
            if (order is null || !ReferenceEquals(order.Keys, row.Keys))
                if (!orders.TryGetValue(row.Keys, out order))
                    orders[row.Keys] = order = new KeyOrder(row.Keys);
            order.AppendRow(id, row.ValueSpan);
        }
        return id.ToGuid();
    }

    /// <summary>
    /// A shape's row as <see cref="DeterministicGuid"/> writes it, keys in ordinal order: the key count, then each key
    /// and its value. The count and the keys are the same in every row of the shape, so they are written once into
    /// <see cref="Template"/> and each row copies it and fills in its values.
    /// </summary>
    private sealed class KeyOrder
    {
        public KeyOrder(QuantityKeys keys)
        {
            Keys = keys;
            Sorted = Enumerable.Range(0, keys.Count).ToArray();
            var names = keys.Names.ToArray();
            Array.Sort(names, Sorted, StringComparer.Ordinal);
            var encodedKeys = names.Select(Encode).ToArray();
            Template = new byte[8 + encodedKeys.Sum(key => key.Length + 9)];
            ValueOffsets = new int[encodedKeys.Length];
            BinaryPrimitives.WriteInt64BigEndian(Template, Sorted.Length);
            var at = 8;
            for (var i = 0; i < encodedKeys.Length; i++)
            {
                encodedKeys[i].CopyTo(Template, at);
                ValueOffsets[i] = at + encodedKeys[i].Length;
                at = ValueOffsets[i] + 9;
            }
        }

        public QuantityKeys Keys { get; }
        public int[] Sorted { get; }
        public byte[] Template { get; }
        public int[] ValueOffsets { get; }

        public void AppendRow(DeterministicGuid id, ReadOnlySpan<double?> values)
        {
            var row = id.Reserve(Template.Length);
            Template.CopyTo(row);
            for (var i = 0; i < ValueOffsets.Length; i++)
                DeterministicGuid.Write(row.Slice(ValueOffsets[i], 9), values[Sorted[i]]);
        }

        private static byte[] Encode(string key)
        {
            var encoded = new byte[4 + Encoding.UTF8.GetByteCount(key)];
            BinaryPrimitives.WriteInt32BigEndian(encoded, encoded.Length - 4);
            Encoding.UTF8.GetBytes(key, encoded.AsSpan(4));
            return encoded;
        }
    }
}
