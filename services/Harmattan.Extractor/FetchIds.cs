using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
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
        // The whole input is written to one buffer and hashed once: per-value hash calls cost more than the hashing.
        var content = new HashInput(256 + readings.Count * 160);
        try
        {
            content.AppendString(stationId);
            content.AppendInt64(windowStart.UtcTicks);
            content.AppendInt64(windowEnd.UtcTicks);
            content.AppendInt64(readings.Count);
            var order = new KeyOrder();
            foreach (var reading in readings)
            {
                content.AppendInt64(reading.Hour.UtcTicks);
                var (keys, values, sorted) = order.Sort(reading.Values);
                content.AppendInt64(sorted.Length);
                foreach (var i in sorted)
                {
                    content.AppendString(keys[i]);
                    content.AppendValue(values[i]);
                }
            }

            Span<byte> digest = stackalloc byte[32];
            SHA256.HashData(content.Written, digest);
            var bytes = digest[..16];
            bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
            bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
            return new Guid(bytes, bigEndian: true);
        }
        finally
        {
            content.Return();
        }
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
                var sortKeys = _keys[..n];
                Array.Sort(sortKeys, _order, StringComparer.Ordinal);
            }
            return (_keys, _values, _order);
        }
    }

    private struct HashInput(int capacity)
    {
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(capacity);
        private int _length;

        public readonly ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

        public void AppendInt64(long value) => BinaryPrimitives.WriteInt64BigEndian(Reserve(8), value);

        public void AppendString(string value)
        {
            var length = Encoding.UTF8.GetByteCount(value);
            BinaryPrimitives.WriteInt32BigEndian(Reserve(4), length);
            Encoding.UTF8.GetBytes(value, Reserve(length));
        }

        public void AppendValue(double? value)
        {
            var span = Reserve(9);
            span[0] = value.HasValue ? (byte)1 : (byte)0;
            BinaryPrimitives.WriteInt64BigEndian(span[1..], value.HasValue ? BitConverter.DoubleToInt64Bits(value.Value) : 0);
        }

        public readonly void Return() => ArrayPool<byte>.Shared.Return(_buffer);

        private Span<byte> Reserve(int size)
        {
            if (_length + size > _buffer.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + size));
                _buffer.AsSpan(0, _length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = larger;
            }
            var span = _buffer.AsSpan(_length, size);
            _length += size;
            return span;
        }
    }
}
