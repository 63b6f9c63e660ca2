using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Harmattan.Contracts;

namespace Harmattan.Hosting;

/// <summary>
/// Reads a JSON object of quantities into a <see cref="QuantityMap{TValue}"/>, reusing the key set of the previous
/// object when the names repeat (they do, row after row), and writes any map as a plain JSON object. The JSON is the
/// same as for a dictionary; only the objects behind it are fewer.
/// </summary>
public sealed class QuantityMapJsonConverter<TValue> : JsonConverter<IReadOnlyDictionary<string, TValue>>
{
    // Shared by every thread that uses these options: a stale read only costs building a new shape.
    private Shape? _last;

    public override IReadOnlyDictionary<string, TValue> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new JsonException($"Expected an object of quantity values, found {reader.TokenType}.");

        var shape = _last;
        var values = ArrayPool<TValue>.Shared.Rent(16);
        List<string>? names = null;
        var count = 0;
        try
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (names is null && shape is not null && count < shape.Utf8.Length && reader.ValueTextEquals(shape.Utf8[count]))
                {
                    // Same name at the same position as in the previous object.
                }
                else
                {
                    names ??= NamesBefore(shape, count);
                    names.Add(reader.GetString()!);
                }
                reader.Read();
                if (count == values.Length)
                    values = Grow(values);
                values[count++] = ReadValue(ref reader, options);
            }

            if (names is null && shape is not null && count == shape.Keys.Count)
                return new QuantityMap<TValue>(shape.Keys, values.AsSpan(0, count).ToArray());
            return NewShape(names ?? NamesBefore(shape, count), values.AsSpan(0, count));
        }
        finally
        {
            ArrayPool<TValue>.Shared.Return(values, clearArray: true);
        }
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, TValue> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        if (value is QuantityMap<TValue> map)
        {
            var values = map.ValueSpan;
            for (var i = 0; i < values.Length; i++)
                WriteEntry(writer, map.Keys[i], values[i], options);
        }
        else
        {
            foreach (var (name, entry) in value)
                WriteEntry(writer, name, entry, options);
        }
        writer.WriteEndObject();
    }

    /// <summary>The names of the first <paramref name="count"/> properties, which followed <paramref name="shape"/>.</summary>
    private static List<string> NamesBefore(Shape? shape, int count) => shape is null ? [] : [.. shape.Keys.Names.Take(count)];

    /// <summary>A repeated name keeps its last value, as a dictionary would.</summary>
    private QuantityMap<TValue> NewShape(List<string> names, ReadOnlySpan<TValue> values)
    {
        var distinct = new List<string>(names.Count);
        var positions = new Dictionary<string, int>(names.Count, StringComparer.Ordinal);
        var kept = new List<TValue>(names.Count);
        for (var i = 0; i < names.Count; i++)
        {
            if (positions.TryGetValue(names[i], out var at))
            {
                kept[at] = values[i];
                continue;
            }
            positions[names[i]] = distinct.Count;
            distinct.Add(names[i]);
            kept.Add(values[i]);
        }
        var keys = new QuantityKeys(distinct);
        if (distinct.Count == names.Count)
            _last = new Shape(keys, [.. distinct.Select(Encoding.UTF8.GetBytes)]);
        return new QuantityMap<TValue>(keys, [.. kept]);
    }

    private static TValue ReadValue(ref Utf8JsonReader reader, JsonSerializerOptions options)
    {
        if (typeof(TValue) == typeof(double?))
        {
            if (reader.TokenType == JsonTokenType.Null)
                return default!;
            if (reader.TokenType == JsonTokenType.Number)
                return (TValue)(object)reader.GetDouble();
        }
        if (typeof(TValue) == typeof(QuantityStats))
            return (TValue)(object)QuantityStatsJsonConverter.Instance.Read(ref reader, typeof(QuantityStats), options);
        return JsonSerializer.Deserialize<TValue>(ref reader, options)!;
    }

    private static void WriteEntry(Utf8JsonWriter writer, string name, TValue value, JsonSerializerOptions options)
    {
        writer.WritePropertyName(options.DictionaryKeyPolicy?.ConvertName(name) ?? name);
        if (typeof(TValue) == typeof(double?))
        {
            var number = (double?)(object?)value;
            if (number is null)
            {
                writer.WriteNullValue();
                return;
            }
            if (double.IsFinite(number.Value))
            {
                writer.WriteNumberValue(number.Value);
                return;
            }
        }
        if (typeof(TValue) == typeof(QuantityStats))
        {
            QuantityStatsJsonConverter.Instance.Write(writer, (QuantityStats)(object)value!, options);
            return;
        }
        JsonSerializer.Serialize(writer, value, options);
    }

    private static TValue[] Grow(TValue[] values)
    {
        var larger = ArrayPool<TValue>.Shared.Rent(values.Length * 2);
        values.CopyTo(larger, 0);
        ArrayPool<TValue>.Shared.Return(values, clearArray: true);
        return larger;
    }

    private sealed record Shape(QuantityKeys Keys, byte[][] Utf8);
}
