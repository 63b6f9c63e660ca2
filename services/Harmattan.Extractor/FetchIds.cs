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
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> scratch = stackalloc byte[9];

        AppendString(hash, stationId);
        AppendInt64(hash, windowStart.UtcTicks, scratch);
        AppendInt64(hash, windowEnd.UtcTicks, scratch);
        AppendInt64(hash, readings.Count, scratch);
        var keys = new List<string>();
        foreach (var reading in readings)
        {
            AppendInt64(hash, reading.Hour.UtcTicks, scratch);
            keys.Clear();
            keys.AddRange(reading.Values.Keys);
            keys.Sort(StringComparer.Ordinal);
            AppendInt64(hash, keys.Count, scratch);
            foreach (var key in keys)
            {
                AppendString(hash, key);
                var value = reading.Values[key];
                scratch[0] = value.HasValue ? (byte)1 : (byte)0;
                BinaryPrimitives.WriteInt64BigEndian(scratch[1..], value.HasValue ? BitConverter.DoubleToInt64Bits(value.Value) : 0);
                hash.AppendData(scratch[..9]);
            }
        }

        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        var bytes = digest[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    private static void AppendInt64(IncrementalHash hash, long value, Span<byte> scratch)
    {
        BinaryPrimitives.WriteInt64BigEndian(scratch, value);
        hash.AppendData(scratch[..8]);
    }

    private static void AppendString(IncrementalHash hash, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        hash.AppendData(length);
        hash.AppendData(bytes);
    }
}
