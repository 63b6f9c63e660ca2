using System.Text.Json;
using Harmattan.Contracts;

namespace Harmattan.Hosting;

/// <summary>
/// How Harmattan's messages are written as JSON, on the bus (MassTransit's System.Text.Json options) and wherever a
/// message body is produced outside it. The message records stay plain: the tuning lives here.
/// </summary>
public static class MessageJson
{
    /// <summary>
    /// Compact output: MassTransit's default is indented, which nearly doubles the size of a message of averages and
    /// the time to write and read it (readers accept either form). Quantity maps are read with
    /// <see cref="QuantityMapJsonConverter{TValue}"/>, which shares one key set between rows with the same names, and an
    /// hour's single value is written as that number (<see cref="QuantityStatsJsonConverter"/>).
    /// </summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        if (!options.WriteIndented && options.Converters.Any(c => c is QuantityMapJsonConverter<double?>))
            return options;
        // The options are shared by every bus in the process and locked once used.
        var message = options.IsReadOnly ? new JsonSerializerOptions(options) : options;
        message.WriteIndented = false;
        if (!message.Converters.Any(c => c is QuantityMapJsonConverter<double?>))
        {
            // First: MassTransit's own converter for interface types would otherwise claim IReadOnlyDictionary.
            message.Converters.Insert(0, new QuantityMapJsonConverter<double?>());
            message.Converters.Insert(1, new QuantityMapJsonConverter<QuantityStats>());
            message.Converters.Insert(2, QuantityStatsJsonConverter.Instance);
        }
        return message;
    }
}
