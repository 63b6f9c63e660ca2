using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Harmattan.Extractor;

/// <summary>
/// Builds a version-8 (RFC 9562, custom) GUID from SHA-256 over length-prefixed strings and big-endian integers, so
/// that the same content always gives the same id.
/// </summary>
public sealed class DeterministicGuid : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public DeterministicGuid Append(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        _hash.AppendData(length);
        _hash.AppendData(bytes);
        return this;
    }

    public DeterministicGuid Append(long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        _hash.AppendData(bytes);
        return this;
    }

    public DeterministicGuid Append(double? value)
    {
        Span<byte> bytes = stackalloc byte[9];
        bytes[0] = value.HasValue ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt64BigEndian(bytes[1..], value.HasValue ? BitConverter.DoubleToInt64Bits(value.Value) : 0);
        _hash.AppendData(bytes);
        return this;
    }

    public Guid ToGuid()
    {
        Span<byte> digest = stackalloc byte[32];
        _hash.GetHashAndReset(digest);
        var bytes = digest[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    public void Dispose() => _hash.Dispose();
}
