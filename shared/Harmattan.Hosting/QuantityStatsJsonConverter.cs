using System.Globalization;
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
        writer.WriteStartObject();
        // An hour of one reading has min = mean = max: the number is formatted once and its text written three times,
        // as the shortest round-trip text of a double costs more than the rest of the object.
        Span<byte> text = stackalloc byte[MaxNumberLength];
        var textOf = double.NaN;
        var length = 0;
        WriteStatistic(writer, "mean"u8, value.Mean, text, ref textOf, ref length);
        WriteStatistic(writer, "min"u8, value.Min, text, ref textOf, ref length);
        WriteStatistic(writer, "max"u8, value.Max, text, ref textOf, ref length);
        writer.WriteNumber("count"u8, value.Count);
        writer.WriteNumber("rejected"u8, value.Rejected);
        writer.WriteEndObject();
    }

    /// <summary>Longer than the shortest round-trip text of any double (24 characters at most).</summary>
    private const int MaxNumberLength = 32;

    private static void WriteStatistic(Utf8JsonWriter writer, ReadOnlySpan<byte> name, double? statistic, Span<byte> text,
        ref double textOf, ref int length)
    {
        if (statistic is not { } number)
            return;
        if (!double.IsFinite(number))
        {
            writer.WriteNumber(name, number); // refuses it with the writer's own message
            return;
        }
        // By bits, not by value: 0 and -0 are equal but written differently. textOf starts as NaN, which no finite
        // number's bits match.
        if (BitConverter.DoubleToInt64Bits(number) != BitConverter.DoubleToInt64Bits(textOf))
        {
            if (!number.TryFormat(text, out length, provider: CultureInfo.InvariantCulture))
                throw new InvalidOperationException($"{number:R} does not fit {MaxNumberLength} bytes.");
            textOf = number;
        }
        writer.WritePropertyName(name);
        writer.WriteRawValue(text[..length], skipInputValidation: true);
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
