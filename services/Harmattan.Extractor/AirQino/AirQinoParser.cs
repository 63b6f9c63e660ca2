using System.Text;
using System.Text.Json;
using Harmattan.Contracts;
using Harmattan.Hosting;

namespace Harmattan.Extractor;

/// <summary>
/// Reads AirQino's <c>getStationHourlyAvg</c> body: <c>{"header": {...}, "data": [rows]}</c>, or the bare
/// <c>data</c> array as the recorded samples store it. Pure: no I/O, one pass over the UTF-8 bytes.
/// </summary>
public static class AirQinoParser
{
    public const string ExampleTimestamp = "2022-12-10 01:00:00";

    /// <summary>
    /// AirQino sends one row per hour; a repeat or two are kept (the last wins), but a response repeating its hours by
    /// the hundred thousand (megabytes of them fit AirQino:MaxResponseBytes) would fill the extractor's heap, so it is refused.
    /// </summary>
    public const int MaxRowsPerHour = 4;

    /// <summary>
    /// AirQino's rows hold about fifteen keys. An answer with a row of thousands, or naming hundreds of quantities across
    /// its rows, is not one of its answers (each quantity would be averaged, stored and shown), so it is refused.
    /// </summary>
    public const int MaxKeysPerRow = 512;

    /// <inheritdoc cref="MaxKeysPerRow"/>
    public const int MaxQuantities = 256;

    private static readonly (byte[] Utf8, string Canonical)[] KnownKeys =
        AirQinoKeys.KnownSourceKeys.Select(k => (Encoding.UTF8.GetBytes(k), AirQinoKeys.Canonical(k))).ToArray();

    /// <summary>Every row with a valid timestamp.</summary>
    public static AirQinoParseResult Parse(ReadOnlySpan<byte> utf8Json, string stationId, string source) =>
        Parse(utf8Json, stationId, source, DateTimeOffset.MinValue, DateTimeOffset.MaxValue);

    /// <summary>The rows whose hour starts in [<paramref name="windowStart"/>, <paramref name="windowEnd"/>).</summary>
    /// <exception cref="AirQinoResponseException">The body is not an AirQino hourly response with at least one row.</exception>
    public static AirQinoParseResult Parse(ReadOnlySpan<byte> utf8Json, string stationId, string source,
        DateTimeOffset windowStart, DateTimeOffset windowEnd)
    {
        var body = utf8Json.StartsWith("\uFEFF"u8) ? utf8Json[3..] : utf8Json;
        var firstIndex = body.IndexOfAnyExcept(" \t\r\n"u8);
        if (firstIndex < 0)
            throw Failure(stationId, source, "is empty", "check AirQino:BaseUrl");
        if (body[firstIndex] is not ((byte)'{' or (byte)'['))
            throw Failure(stationId, source, $"is not JSON (starts with '{Preview(body[firstIndex..])}')", "check AirQino:BaseUrl");

        var rows = new RowReader(stationId, source, windowStart, windowEnd);
        var reader = new Utf8JsonReader(body);
        try
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.StartArray)
                rows.ReadArray(ref reader);
            else
                ReadEnvelope(ref reader, rows);
            // Trailing content after the root value makes the reader throw here.
            reader.Read();
        }
        catch (JsonException ex)
        {
            throw IsTruncated(body)
                ? Failure(stationId, source, $"is truncated JSON (it stops after {body.Length:N0} bytes in the middle of the document)",
                    "the transfer was cut short", ex)
                : rows.InsideData
                    // Rows were being read, so the address is right: a row holds what JSON does not allow.
                    ? Failure(stationId, source, $"is not valid JSON in row {rows.Received:N0} of its data ({ex.Message})",
                        "a value such as NaN or Infinity is not JSON; the answer was refused whole and nothing of it was stored", ex)
                    : Failure(stationId, source, $"is not valid JSON ({ex.Message})", "check AirQino:BaseUrl", ex);
        }

        if (rows.Received == 0)
            throw new AirQinoResponseException(stationId, source,
                $"AirQino returned a response for station {stationId} that has no rows in its data array from {source}; the station may have no data for that window.",
                hasNoRows: true);
        if (rows.OffTheHour == rows.Received)
            throw Failure(stationId, source,
                $"has {rows.Received:N0} rows, none with the start of an hour as timestamp (first: {rows.FirstBadTimestamp})",
                $"Harmattan averages AirQino's hourly rows, stamped at the start of each hour such as \"{ExampleTimestamp}\"; nothing of this answer was stored");
        if (rows.Unparseable == rows.Received)
            throw Failure(stationId, source,
                $"has {rows.Received:N0} rows but none with a timestamp such as \"{ExampleTimestamp}\" (first: {rows.FirstBadTimestamp})",
                "check AirQino:BaseUrl and the API version (v3)");
        return new AirQinoParseResult(rows.Readings, rows.Received, rows.Unparseable, rows.FirstBadTimestamp);
    }

    /// <summary>Reads a whole stream (e.g. a recorded file) and parses it.</summary>
    public static AirQinoParseResult Parse(Stream utf8Json, string stationId, string source)
    {
        using var buffer = new MemoryStream();
        utf8Json.CopyTo(buffer);
        return Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), stationId, source);
    }

    private static void ReadEnvelope(ref Utf8JsonReader reader, RowReader rows)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw rows.WrongShape($"its root is {Describe(reader.TokenType)}, not an object or an array");
        var otherProperties = new List<string>();
        var sawData = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                    throw rows.WrongShape($"its \"data\" is {Describe(reader.TokenType)}, not an array");
                rows.ReadArray(ref reader);
                sawData = true;
                continue;
            }
            if (otherProperties.Count < 10)
                otherProperties.Add(Printable(reader.GetString()!));
            reader.Read();
            reader.Skip();
        }
        if (!sawData)
            throw rows.WrongShape(otherProperties.Count == 0
                ? "it is an object without a \"data\" array"
                : $"it is an object without a \"data\" array (properties: {string.Join(", ", otherProperties)})");
    }

    private static AirQinoResponseException Failure(string stationId, string source, string reason, string hint,
        Exception? inner = null) =>
        new(stationId, source, $"AirQino returned a response for station {stationId} that {reason} from {source}; {hint}.",
            innerException: inner);

    /// <summary>A prefix of valid JSON reads without error when the reader is told more data may follow.</summary>
    private static bool IsTruncated(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, isFinalBlock: false, state: default);
        try
        {
            while (reader.Read())
            {
            }
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private const int QuotedLength = 48;

    private static string Preview(ReadOnlySpan<byte> body)
    {
        var preview = Printable(Encoding.UTF8.GetString(body[..Math.Min(body.Length, QuotedLength)])).Trim();
        return body.Length > QuotedLength ? preview + "..." : preview;
    }

    private static string Printable(string text) => PrintableText.Of(text, QuotedLength);

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    private sealed class RowReader(string stationId, string source, DateTimeOffset windowStart, DateTimeOffset windowEnd)
    {
        private const int MaxCachedUnknownKeys = 256;
        private const int MaxCachedShapes = 64;

        private readonly long _hoursInWindow = (long)Math.Ceiling((windowEnd - windowStart).TotalHours);

        private readonly List<(byte[] Utf8, string Canonical)> _rowKeys = new(12);
        private readonly List<double?> _rowValues = new(12);
        private readonly List<RowShape> _shapes = [];
        private readonly HashSet<string> _quantities = new(StringComparer.Ordinal);
        private readonly HourParser _hours = new();
        private List<(byte[] Utf8, string Canonical)>? _unknownKeys;
        private RowShape? _lastShape;

        public List<RawReading> Readings { get; } = [];
        public int Received { get; private set; }
        public int Unparseable { get; private set; }
        public string FirstBadTimestamp { get; private set; } = "";

        /// <summary>Rows whose timestamp is a date and time, but not the start of an hour.</summary>
        public int OffTheHour { get; private set; }

        /// <summary>The reader is between the rows of the data array.</summary>
        public bool InsideData { get; private set; }

        public AirQinoResponseException WrongShape(string detail) =>
            Failure(stationId, source, $"is not an AirQino hourly response: {detail}", "check AirQino:BaseUrl and the API version (v3)");

        public void ReadArray(ref Utf8JsonReader reader)
        {
            InsideData = true;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                Received++;
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    Reject($"a row that is {Describe(reader.TokenType)}");
                    reader.Skip();
                    continue;
                }
                ReadRow(ref reader);
            }
            InsideData = false;
        }

        /// <summary>
        /// Rows nearly always repeat the previous row's keys in the same order, so each key is first compared with the
        /// key at the same position of the last row's shape; only a row that differs looks its keys up.
        /// </summary>
        private void ReadRow(ref Utf8JsonReader reader)
        {
            _rowValues.Clear();
            _rowKeys.Clear();
            var predicted = _lastShape;
            // While the keys follow the prediction, values go straight to their slots.
            var slotted = predicted is null ? null : new double?[predicted.Quantities.Count];
            var count = 0;
            DateTimeOffset? hour = null;
            var timestampText = "(none)";
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                // A shape never holds "timestamp", so a key that matches the prediction is a quantity.
                var asPredicted = predicted is not null && count < predicted.Keys.Length && reader.ValueTextEquals(predicted.Keys[count].Utf8);
                if (!asPredicted && reader.ValueTextEquals("timestamp"u8))
                {
                    reader.Read();
                    hour = ReadTimestamp(ref reader, out timestampText);
                    continue;
                }
                if (!asPredicted)
                {
                    if (predicted is not null)
                        LeavePrediction(predicted, slotted!, count);
                    predicted = null;
                    slotted = null;
                    _rowKeys.Add(Key(ref reader));
                }
                reader.Read();
                var value = ReadValue(ref reader);
                if (slotted is null)
                    _rowValues.Add(value);
                else if (predicted!.Slots[count] >= 0)
                    slotted[predicted.Slots[count]] = value;
                if (++count > MaxKeysPerRow)
                    throw Failure(stationId, source, $"has a row of more than {MaxKeysPerRow} keys (row {Received:N0}; AirQino's rows have about fifteen)",
                        "nothing of this answer was stored");
            }

            if (hour is not { } start)
            {
                Reject(timestampText);
                return;
            }
            if (start < windowStart || start >= windowEnd)
                return;
            if (Readings.Count >= _hoursInWindow * MaxRowsPerHour)
                throw Failure(stationId, source,
                    $"has more than {_hoursInWindow * MaxRowsPerHour:N0} rows inside its window of {_hoursInWindow:N0} hours " +
                    $"(at most {MaxRowsPerHour} per hour; AirQino sends one)", "nothing of this answer was stored");
            if (predicted is not null && predicted.Keys.Length == count)
            {
                _lastShape = predicted;
                Readings.Add(new RawReading { Hour = start, Values = new QuantityMap<double?>(predicted.Quantities, slotted!) });
                return;
            }
            if (predicted is not null)
                // A prefix of the last shape: the row stopped early.
                LeavePrediction(predicted, slotted!, count);
            var shape = ShapeOf(_rowKeys);
            _lastShape = shape;
            var values = new double?[shape.Quantities.Count];
            for (var i = 0; i < _rowValues.Count; i++)
                if (shape.Slots[i] >= 0)
                    values[shape.Slots[i]] = _rowValues[i];
            Readings.Add(new RawReading { Hour = start, Values = new QuantityMap<double?>(shape.Quantities, values) });
        }

        /// <summary>
        /// The row's first <paramref name="count"/> keys followed the prediction; lists them and their values in row
        /// order. A key that shares its slot with a later one reads the later value, which wins in the end anyway.
        /// </summary>
        private void LeavePrediction(RowShape predicted, double?[] slotted, int count)
        {
            for (var i = 0; i < count; i++)
            {
                _rowKeys.Add(predicted.Keys[i]);
                _rowValues.Add(predicted.Slots[i] >= 0 ? slotted[predicted.Slots[i]] : null);
            }
        }

        private RowShape ShapeOf(List<(byte[] Utf8, string Canonical)> keys)
        {
            foreach (var cached in _shapes)
                if (cached.Matches(keys))
                    return cached;
            var shape = RowShape.Of(keys);
            if (_shapes.Count < MaxCachedShapes)
                _shapes.Add(shape);
            _quantities.UnionWith(shape.Quantities.Names);
            if (_quantities.Count > MaxQuantities)
                throw Failure(stationId, source,
                    $"names more than {MaxQuantities} quantities across its rows (AirQino's name about fifteen; among them: {string.Join(", ", _quantities.Order(StringComparer.Ordinal).Take(5).Select(name => Preview(Encoding.UTF8.GetBytes(name))))})",
                    "nothing of this answer was stored");
            return shape;
        }

        private void Reject(string what)
        {
            if (Unparseable++ == 0)
                FirstBadTimestamp = what;
        }

        private (byte[] Utf8, string Canonical) Key(ref Utf8JsonReader reader)
        {
            foreach (var known in KnownKeys)
                if (reader.ValueTextEquals(known.Utf8))
                    return known;
            if (_unknownKeys is not null)
                foreach (var unknown in _unknownKeys)
                    if (reader.ValueTextEquals(unknown.Utf8))
                        return unknown;

            var name = reader.GetString()!;
            var key = (Encoding.UTF8.GetBytes(name), AirQinoKeys.Canonical(name));
            _unknownKeys ??= [];
            if (_unknownKeys.Count < MaxCachedUnknownKeys)
                _unknownKeys.Add(key);
            return key;
        }

        private static double? ReadValue(ref Utf8JsonReader reader)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.Number:
                    return reader.TryGetDouble(out var value) && double.IsFinite(value) ? value : null;
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    reader.Skip();
                    return null;
                default:
                    return null;
            }
        }

        private DateTimeOffset? ReadTimestamp(ref Utf8JsonReader reader, out string text)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                text = Describe(reader.TokenType);
                reader.Skip();
                return null;
            }
            if (!reader.ValueIsEscaped && !reader.HasValueSequence && _hours.TryParse(reader.ValueSpan, out var fast))
            {
                text = "";
                return fast;
            }
            text = reader.GetString()!;
            if (AirQinoTimestamps.TryParse(text, out var parsed))
            {
                if (parsed.Ticks % TimeSpan.TicksPerHour == 0)
                    return parsed.ToUniversalTime();
                OffTheHour++;
            }
            text = $"\"{Printable(text)}\"";
            return null;
        }

    }

    /// <summary>
    /// "yyyy-MM-dd HH:mm:ss" or "yyyy-MM-ddTHH:mm:ss[Z]" on the hour, without allocating. Consecutive rows share their
    /// date, so the date's ticks are kept from the row before.
    /// </summary>
    private sealed class HourParser
    {
        private readonly byte[] _lastDate = new byte[10];
        private long _lastDateTicks = -1;

        public bool TryParse(ReadOnlySpan<byte> s, out DateTimeOffset hour)
        {
            hour = default;
            if (s.Length == 20 && s[19] == (byte)'Z')
                s = s[..19];
            if (s.Length != 19 || s[4] != '-' || s[7] != '-' || s[10] is not ((byte)' ' or (byte)'T') || s[13] != ':' || s[16] != ':')
                return false;
            if (!TryDigits(s.Slice(11, 2), out var h) || !TryDigits(s.Slice(14, 2), out var minute) || !TryDigits(s.Slice(17, 2), out var second)
                || h > 23 || minute != 0 || second != 0)
                return false;
            if (_lastDateTicks < 0 || !s[..10].SequenceEqual(_lastDate))
            {
                if (!TryDigits(s[..4], out var year) || !TryDigits(s.Slice(5, 2), out var month) || !TryDigits(s.Slice(8, 2), out var day)
                    || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
                    return false;
                _lastDateTicks = new DateTime(year, month, day).Ticks;
                s[..10].CopyTo(_lastDate);
            }
            hour = new DateTimeOffset(_lastDateTicks + h * TimeSpan.TicksPerHour, TimeSpan.Zero);
            return true;
        }

        private static bool TryDigits(ReadOnlySpan<byte> digits, out int value)
        {
            value = 0;
            foreach (var b in digits)
            {
                if (b is < (byte)'0' or > (byte)'9')
                    return false;
                value = value * 10 + (b - '0');
            }
            return true;
        }
    }

    /// <summary>
    /// The keys of a row as the source spelled them, and for each the slot of its canonical quantity in
    /// <see cref="Quantities"/>: -1 for a key that is ignored (empty canonical name), the same slot for keys that name
    /// the same quantity (the last one wins, as it would in a dictionary).
    /// </summary>
    private sealed class RowShape
    {
        private RowShape((byte[] Utf8, string Canonical)[] keys, int[] slots, QuantityKeys quantities) =>
            (Keys, Slots, Quantities) = (keys, slots, quantities);

        public (byte[] Utf8, string Canonical)[] Keys { get; }
        public int[] Slots { get; }
        public QuantityKeys Quantities { get; }

        public static RowShape Of(List<(byte[] Utf8, string Canonical)> keys)
        {
            var names = new List<string>(keys.Count);
            var slotOf = new Dictionary<string, int>(keys.Count, StringComparer.Ordinal);
            var slots = new int[keys.Count];
            for (var i = 0; i < keys.Count; i++)
            {
                var canonical = keys[i].Canonical;
                if (canonical.Length == 0)
                {
                    slots[i] = -1;
                    continue;
                }
                if (!slotOf.TryGetValue(canonical, out var slot))
                {
                    slotOf.Add(canonical, slot = names.Count);
                    names.Add(canonical);
                }
                slots[i] = slot;
            }
            return new RowShape([.. keys], slots, new QuantityKeys(names));
        }

        public bool Matches(List<(byte[] Utf8, string Canonical)> keys)
        {
            if (keys.Count != Keys.Length)
                return false;
            for (var i = 0; i < Keys.Length; i++)
                if (!ReferenceEquals(keys[i].Utf8, Keys[i].Utf8) && !keys[i].Utf8.AsSpan().SequenceEqual(Keys[i].Utf8))
                    return false;
            return true;
        }
    }
}
