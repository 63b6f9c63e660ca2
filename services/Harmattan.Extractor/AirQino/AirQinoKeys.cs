using System.Collections.Frozen;
using System.Text;
using static Harmattan.Contracts.QuantityNames;

namespace Harmattan.Extractor;

/// <summary>The one mapping from AirQino's keys to Harmattan's canonical quantity names.</summary>
public static class AirQinoKeys
{
    private static readonly FrozenDictionary<string, string> KnownKeys = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["CO"] = Co,
        ["NO2"] = No2,
        ["O3"] = O3,
        ["PM10"] = Pm10,
        ["PM2.5"] = Pm2_5,
        ["T"] = Temperature,
        ["RH"] = RelativeHumidity,
        ["T. int."] = InternalTemperature,
        ["Temp. int."] = InternalTemperature,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>AirQino's own spelling of the keys it is known to send.</summary>
    public static IEnumerable<string> KnownSourceKeys => KnownKeys.Keys;

    /// <summary>
    /// The canonical name of a source key: the known AirQino keys map to their names, any other key becomes
    /// lower snake_case of its letters and digits ("Wind Speed" -> "wind_speed"). Empty when the key has neither.
    /// </summary>
    public static string Canonical(string sourceKey)
    {
        if (KnownKeys.TryGetValue(sourceKey, out var name))
            return name;

        var builder = new StringBuilder(sourceKey.Length + 4);
        var pendingSeparator = false;
        for (var i = 0; i < sourceKey.Length; i++)
        {
            var c = sourceKey[i];
            if (!char.IsAsciiLetterOrDigit(c))
            {
                pendingSeparator = builder.Length > 0;
                continue;
            }
            // camelCase and PascalCase words: "WindSpeed" -> "wind_speed"
            if (char.IsAsciiLetterUpper(c) && i > 0 && char.IsAsciiLetterLower(sourceKey[i - 1]))
                pendingSeparator = builder.Length > 0;
            if (pendingSeparator)
                builder.Append('_');
            pendingSeparator = false;
            builder.Append(char.ToLowerInvariant(c));
        }
        return builder.ToString();
    }
}
