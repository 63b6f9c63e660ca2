using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Harmattan.Contracts;
using Harmattan.Hosting;

namespace Harmattan.Storage.Sqlite;

/// <summary>
/// How values are written to SQLite columns. Instants are fixed-width UTC text (sortable, indexable, exact to the
/// tick, readable with the sqlite3 shell); days are yyyy-MM-dd; quantities are compact JSON, archived readings Brotli-compressed JSON.
/// </summary>
internal static class SqliteColumns
{
    private const string InstantFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";
    private const string DateFormat = "yyyy-MM-dd";

    /// <summary>
    /// The round-trip format of a UTC <see cref="DateTime"/> writes exactly <see cref="InstantFormat"/>'s text, on the
    /// runtime's fast path instead of the custom-format interpreter: instants are written on every archived reading and
    /// every stored row.
    /// </summary>
    private const string UtcRoundTripFormat = "O";

    public static string Instant(DateTimeOffset value) =>
        value.UtcDateTime.ToString(UtcRoundTripFormat, CultureInfo.InvariantCulture);

    internal const int InstantLength = 28;

    /// <summary>The text of <see cref="Instant"/> as UTF-8, into <paramref name="utf8"/> (<see cref="InstantLength"/> bytes).</summary>
    public static int WriteInstant(DateTimeOffset value, Span<byte> utf8) =>
        value.UtcDateTime.TryFormat(utf8, out var written, UtcRoundTripFormat, CultureInfo.InvariantCulture)
            ? written
            : throw new ArgumentException($"An instant takes {InstantLength} bytes; {utf8.Length} were given.", nameof(utf8));

    public static DateTimeOffset ParseInstant(string value) =>
        new(DateTime.SpecifyKind(DateTime.ParseExact(value, InstantFormat, CultureInfo.InvariantCulture), DateTimeKind.Utc));

    public static string Date(DateOnly value) => value.ToString(DateFormat, CultureInfo.InvariantCulture);

    public static DateOnly ParseDate(string value) => DateOnly.ParseExact(value, DateFormat, CultureInfo.InvariantCulture);

    /// <summary>
    /// <c>{"co":{"mean":0.5,"min":0.1,"max":0.9,"count":3,"rejected":0}}</c>; absent statistics are left out. One writer
    /// serves a whole batch of rows, so a row costs its encoding and nothing else.
    /// </summary>
    public sealed class QuantitiesWriter : IDisposable
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(1024);
        private readonly Utf8JsonWriter _json;
        private readonly QuantityPropertiesWriter _properties = new();

        public QuantitiesWriter() => _json = new Utf8JsonWriter(_buffer);

        /// <summary>The row's JSON as UTF-8, valid until the next call.</summary>
        public ReadOnlySpan<byte> Write(IReadOnlyDictionary<string, QuantityStats> quantities)
        {
            _buffer.ResetWrittenCount();
            _json.Reset(_buffer);
            _json.WriteStartObject();
            _properties.Write(_json, quantities, QuantityStatsJsonConverter.WriteObject);
            _json.WriteEndObject();
            _json.Flush();
            return _buffer.WrittenSpan;
        }

        public void Dispose() => _json.Dispose();
    }

    public static IReadOnlyDictionary<string, QuantityStats> ParseQuantities(string value)
    {
        using var document = JsonDocument.Parse(value);
        var quantities = new Dictionary<string, QuantityStats>(StringComparer.Ordinal);
        foreach (var quantity in document.RootElement.EnumerateObject())
        {
            var stats = quantity.Value;
            quantities[quantity.Name] = new QuantityStats
            {
                Mean = OptionalDouble(stats, "mean"),
                Min = OptionalDouble(stats, "min"),
                Max = OptionalDouble(stats, "max"),
                Count = stats.GetProperty("count").GetInt32(),
                Rejected = stats.GetProperty("rejected").GetInt32(),
            };
        }
        return quantities;
    }

    /// <summary>
    /// The readings as Brotli-compressed UTF-8 JSON,
    /// <c>[{"h":"2023-01-01T00:00:00.0000000Z","v":{"co":0.5,"o3":null}}]</c>, rows and keys in source order. An archived
    /// fetch repeats its quantity names and timestamps on every row, which Brotli removes (README: the measured ratio).
    /// </summary>
    public static byte[] Readings(IReadOnlyList<RawReading> readings)
    {
        var json = new ArrayBufferWriter<byte>(128 * Math.Max(1, readings.Count));
        WriteReadingsJson(json, readings);
        var compressed = ArrayPool<byte>.Shared.Rent(BrotliEncoder.GetMaxCompressedLength(json.WrittenCount));
        try
        {
            if (!BrotliEncoder.TryCompress(json.WrittenSpan, compressed, out var written, ReadingsQuality, ReadingsWindow))
                throw new InvalidOperationException("Brotli could not compress the readings into a buffer of its own maximum size.");
            return compressed.AsSpan(0, written).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(compressed);
        }
    }

    /// <summary>
    /// Quality 1 of 11: it runs once per archived fetch on the loader's write path. On recorded AirQino weeks it
    /// compresses 4.8 times where quality 5 reaches 5.4, at a ninth of the time (docs/performance.md).
    /// </summary>
    private const int ReadingsQuality = 1;
    private const int ReadingsWindow = 22;

    public static byte[] ReadingsJson(IReadOnlyList<RawReading> readings)
    {
        var buffer = new ArrayBufferWriter<byte>(128 * Math.Max(1, readings.Count));
        WriteReadingsJson(buffer, readings);
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteReadingsJson(ArrayBufferWriter<byte> buffer, IReadOnlyList<RawReading> readings)
    {
        using var json = new Utf8JsonWriter(buffer);
        var properties = new QuantityPropertiesWriter();
        Span<byte> hour = stackalloc byte[InstantLength];
        json.WriteStartArray();
        foreach (var reading in readings)
        {
            json.WriteStartObject();
            json.WriteString("h"u8, hour[..WriteInstant(reading.Hour, hour)]);
            json.WriteStartObject("v"u8);
            properties.Write(json, reading.Values, WriteReadingValue);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteReadingValue(Utf8JsonWriter json, double? value)
    {
        if (value is { } number)
            json.WriteNumberValue(number);
        else
            json.WriteNullValue();
    }

    /// <summary>
    /// Writes a row's quantities as the properties of a JSON object. The names of the last row shape are escaped and
    /// encoded as UTF-8 once: the rows of a message share one <see cref="QuantityKeys"/>, and a name given to the JSON
    /// writer as a string is checked and transcoded on every row.
    /// </summary>
    private sealed class QuantityPropertiesWriter
    {
        private QuantityKeys? _keys;
        private JsonEncodedText[] _names = [];

        public void Write<TValue>(Utf8JsonWriter json, IReadOnlyDictionary<string, TValue> quantities, Action<Utf8JsonWriter, TValue> writeValue)
        {
            if (quantities is not QuantityMap<TValue> map)
            {
                foreach (var (name, value) in quantities)
                {
                    json.WritePropertyName(name);
                    writeValue(json, value);
                }
                return;
            }
            if (!ReferenceEquals(map.Keys, _keys))
            {
                _names = [.. map.Keys.Names.Select(name => JsonEncodedText.Encode(name))];
                _keys = map.Keys;
            }
            var values = map.ValueSpan;
            for (var i = 0; i < values.Length; i++)
            {
                json.WritePropertyName(_names[i]);
                writeValue(json, values[i]);
            }
        }
    }

    /// <summary>Reads both forms of the column: compressed JSON (a BLOB) and the JSON text of rows archived before.</summary>
    public static IReadOnlyList<RawReading> ParseReadings(object column) => column switch
    {
        byte[] compressed => ParseReadingsJson(Decompress(compressed)),
        string json => ParseReadingsJson(Encoding.UTF8.GetBytes(json)),
        _ => throw new InvalidDataException($"raw_fetches.readings holds a {column.GetType().Name}, not compressed or plain JSON."),
    };

    private static byte[] Decompress(byte[] compressed)
    {
        using var output = new MemoryStream(compressed.Length * 6);
        using (var brotli = new BrotliStream(new MemoryStream(compressed), CompressionMode.Decompress))
            brotli.CopyTo(output);
        return output.ToArray();
    }

    private static List<RawReading> ParseReadingsJson(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var readings = new List<RawReading>(document.RootElement.GetArrayLength());
        foreach (var row in document.RootElement.EnumerateArray())
        {
            var values = new Dictionary<string, double?>(StringComparer.Ordinal);
            foreach (var property in row.GetProperty("v").EnumerateObject())
                values[property.Name] = property.Value.ValueKind == JsonValueKind.Null ? null : property.Value.GetDouble();
            readings.Add(new RawReading { Hour = ParseInstant(row.GetProperty("h").GetString()!), Values = values });
        }
        return readings;
    }

    private static double? OptionalDouble(JsonElement element, string name) =>
        element.TryGetProperty(name, out var property) && property.ValueKind == JsonValueKind.Number ? property.GetDouble() : null;
}
