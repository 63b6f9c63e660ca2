namespace Harmattan.Contracts;

/// <summary>Canonical quantity names used in every message, store and export.</summary>
public static class QuantityNames
{
    public const string Co = "co";
    public const string No2 = "no2";
    public const string O3 = "o3";
    public const string Pm10 = "pm10";
    public const string Pm2_5 = "pm2_5";
    public const string Temperature = "temperature";
    public const string RelativeHumidity = "relative_humidity";
    public const string InternalTemperature = "internal_temperature";

    /// <summary>The known quantities in the order exports list them; unknown ones follow alphabetically.</summary>
    public static readonly IReadOnlyList<string> Known = [Co, No2, O3, Pm10, Pm2_5, Temperature, RelativeHumidity, InternalTemperature];

    /// <summary>The names given, each once, in the order exports and the dashboard list them.</summary>
    public static IReadOnlyList<string> InDisplayOrder(IEnumerable<string> names)
    {
        var present = names.ToHashSet(StringComparer.Ordinal);
        return [.. Known.Where(present.Contains), .. present.Except(Known).Order(StringComparer.Ordinal)];
    }
}
