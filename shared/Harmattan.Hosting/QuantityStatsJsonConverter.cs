using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Harmattan.Contracts;

namespace Harmattan.Hosting;

/// <summary>
/// Writes the statistics of a single accepted value as that value (<c>"co":0.52</c>), which is what almost every hourly
/// average is, and anything else as an object (<c>"co":{"mean":0.5,"min":0.1,"max":0.9,"count":3,"rejected":0}</c>,
/// absent statistics left out). Reads both forms, so messages written before the short form still read.
/// </summary>
public sealed class QuantityStatsJsonConverter : JsonConverter<QuantityStats>
{
    public static QuantityStatsJsonConverter Instance { get; } = new();

    public override QuantityStats Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            var value = reader.GetDouble();
            return new QuantityStats { Mean = value, Min = value, Max = value, Count = 1, Rejected = 0 };
        }
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new JsonException($"Expected a number or an object of statistics, found {reader.TokenType}.");

        double? mean = null, min = null, max = null;
        int? count = null, rejected = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = Property(ref reader);
            reader.Read();
            switch (property)
            {
                case Field.Mean: mean = OptionalDouble(ref reader); break;
                case Field.Min: min = OptionalDouble(ref reader); break;
                case Field.Max: max = OptionalDouble(ref reader); break;
                case Field.Count: count = reader.GetInt32(); break;
                case Field.Rejected: rejected = reader.GetInt32(); break;
                default: reader.Skip(); break;
            }
        }
        if (count is null || rejected is null)
            throw new JsonException("Statistics need 'count' and 'rejected'.");
        return new QuantityStats { Mean = mean, Min = min, Max = max, Count = count.Value, Rejected = rejected.Value };
    }

    public override void Write(Utf8JsonWriter writer, QuantityStats value, JsonSerializerOptions options)
    {
        if (IsSingleValue(value))
            writer.WriteNumberValue(value.Mean!.Value);
        else
            WriteObject(writer, value);
    }

    /// <summary>The long form alone, for stores whose documents users query with the field names.</summary>
    public static void WriteObject(Utf8JsonWriter writer, QuantityStats value)
    {
        // The object's text is composed here and handed to the writer whole: a stored row holds one object per
        // quantity, and five property writes cost the writer more than these few bytes cost to compose.
        Span<byte> json = stackalloc byte[MaxObjectLength];
        var length = 0;
        Append(json, ref length, "{"u8);
        // An hour of one reading has min = mean = max: the number is formatted once and its text copied, as the
        // shortest round-trip text of a double costs more than the rest of the object.
        var previous = (Value: double.NaN, Start: 0, Length: 0);
        AppendStatistic(json, ref length, "\"mean\":"u8, value.Mean, ref previous);
        AppendStatistic(json, ref length, "\"min\":"u8, value.Min, ref previous);
        AppendStatistic(json, ref length, "\"max\":"u8, value.Max, ref previous);
        AppendProperty(json, ref length, "\"count\":"u8);
        AppendInteger(json, ref length, value.Count);
        AppendProperty(json, ref length, "\"rejected\":"u8);
        AppendInteger(json, ref length, value.Rejected);
        Append(json, ref length, "}"u8);
        writer.WriteRawValue(json[..length], skipInputValidation: true);
    }

    /// <summary>
    /// Longer than the longest object: three shortest round-trip doubles (24 characters at most), two integers (11)
    /// and the names.
    /// </summary>
    private const int MaxObjectLength = 160;

    private static void AppendStatistic(Span<byte> json, ref int length, ReadOnlySpan<byte> name, double? statistic,
        ref (double Value, int Start, int Length) previous)
    {
        if (statistic is not { } number)
            return;
        if (!double.IsFinite(number))
            throw new ArgumentException(
                $"The statistic '{Encoding.UTF8.GetString(name).Trim('"', ':')}' is {number.ToString(CultureInfo.InvariantCulture)}, which JSON cannot write: statistics must be finite numbers.");
        AppendProperty(json, ref length, name);
        // By bits, not by value: 0 and -0 are equal but written differently. The first previous value is NaN, which
        // no finite number's bits match.
        if (BitConverter.DoubleToInt64Bits(number) == BitConverter.DoubleToInt64Bits(previous.Value))
        {
            json.Slice(previous.Start, previous.Length).CopyTo(json[length..]);
            length += previous.Length;
            return;
        }
        if (!number.TryFormat(json[length..], out var written, provider: CultureInfo.InvariantCulture))
            throw new InvalidOperationException($"{number:R} does not fit the {MaxObjectLength} bytes of a statistics object.");
        previous = (number, length, written);
        length += written;
    }

    /// <summary>The property's name and colon, after a comma unless it is the object's first.</summary>
    private static void AppendProperty(Span<byte> json, ref int length, ReadOnlySpan<byte> name)
    {
        if (length > 1)
            Append(json, ref length, ","u8);
        Append(json, ref length, name);
    }

    private static void AppendInteger(Span<byte> json, ref int length, int value)
    {
        if (!value.TryFormat(json[length..], out var written, provider: CultureInfo.InvariantCulture))
            throw new InvalidOperationException($"{value} does not fit the {MaxObjectLength} bytes of a statistics object.");
        length += written;
    }

    private static void Append(Span<byte> json, ref int length, ReadOnlySpan<byte> text)
    {
        text.CopyTo(json[length..]);
        length += text.Length;
    }

    /// <summary>One accepted value and nothing rejected: the value says it all.</summary>
    private static bool IsSingleValue(QuantityStats stats) =>
        stats is { Count: 1, Rejected: 0, Mean: { } mean } && stats.Min == mean && stats.Max == mean;

    private enum Field { Other, Mean, Min, Max, Count, Rejected }

    /// <summary>Names as this converter writes them, or in any case as other writers of the bus's JSON may.</summary>
    private static Field Property(ref Utf8JsonReader reader)
    {
        if (reader.ValueTextEquals("mean"u8)) return Field.Mean;
        if (reader.ValueTextEquals("min"u8)) return Field.Min;
        if (reader.ValueTextEquals("max"u8)) return Field.Max;
        if (reader.ValueTextEquals("count"u8)) return Field.Count;
        if (reader.ValueTextEquals("rejected"u8)) return Field.Rejected;
        return reader.GetString()?.ToLowerInvariant() switch
        {
            "mean" => Field.Mean,
            "min" => Field.Min,
            "max" => Field.Max,
            "count" => Field.Count,
            "rejected" => Field.Rejected,
            _ => Field.Other,
        };
    }

    private static double? OptionalDouble(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Null ? null : reader.GetDouble();
}
