using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Harmattan.Extractor;

/// <summary>
/// Builds a version-8 (RFC 9562, custom) GUID from SHA-256 over length-prefixed strings and big-endian integers, so
/// that the same content always gives the same id.
/// </summary>
/// <remarks>
/// The input is written to one pooled buffer and hashed once: with a fetch's thousands of values, one hash call per
/// value cost more than the hashing itself.
/// </remarks>
public sealed class DeterministicGuid(int capacity = 256) : IDisposable
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(capacity);
    private int _length;

    public DeterministicGuid Append(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        BinaryPrimitives.WriteInt32BigEndian(Reserve(4), length);
        Encoding.UTF8.GetBytes(value, Reserve(length));
        return this;
    }

    public DeterministicGuid Append(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(Reserve(8), value);
        return this;
    }

    public DeterministicGuid Append(double? value)
    {
        Write(Reserve(9), value);
        return this;
    }

    /// <summary>The 9 bytes <see cref="Append(double?)"/> appends: presence of a number, then its IEEE 754 bits.</summary>
    public static void Write(Span<byte> nineBytes, double? value)
    {
        nineBytes[0] = value.HasValue ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt64BigEndian(nineBytes[1..], value.HasValue ? BitConverter.DoubleToInt64Bits(value.Value) : 0);
    }

    public Guid ToGuid()
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(_buffer.AsSpan(0, _length), digest);
        var bytes = digest[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    /// <summary>The next <paramref name="size"/> bytes of the input, for a caller that writes them in this class's encoding.</summary>
    public Span<byte> Reserve(int size)
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
