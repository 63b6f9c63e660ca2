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

    public const string Rule = "lower-case letters and digits joined by single underscores, as in relative_humidity";

    /// <summary>
    /// Whether <paramref name="name"/> has the shape of every name the extractor gives a quantity (<see cref="Rule"/>):
    /// such a name is safe as a MongoDB field name, a CSV header and a JSON key.
    /// </summary>
    public static bool IsCanonical(string? name)
    {
        if (string.IsNullOrEmpty(name) || name[0] == '_' || name[^1] == '_')
            return false;
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c == '_' ? name[i - 1] == '_' : !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)))
                return false;
        }
        return true;
    }

    /// <summary>
    /// The known quantity <paramref name="name"/> spells with other letter case or separators (<c>PM2.5</c>, <c>pm25</c>:
    /// <c>pm2_5</c>), itself included; null when it is none of them.
    /// </summary>
    public static string? KnownLike(string name) =>
        Known.FirstOrDefault(known => LettersAndDigits(known) == LettersAndDigits(name));

    private static string LettersAndDigits(string name) =>
        string.Concat(name.Where(char.IsAsciiLetterOrDigit)).ToLowerInvariant();

    /// <summary>The names given, each once, in the order exports and the dashboard list them.</summary>
    public static IReadOnlyList<string> InDisplayOrder(IEnumerable<string> names)
    {
        var present = names.ToHashSet(StringComparer.Ordinal);
        return [.. Known.Where(present.Contains), .. present.Except(Known).Order(StringComparer.Ordinal)];
    }
}
