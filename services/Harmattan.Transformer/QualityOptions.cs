using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Harmattan.Contracts;
using Harmattan.Hosting;

namespace Harmattan.Transformer;

/// <summary>Quality rules of the averages: plausibility ranges, the completeness threshold and the algorithm version.</summary>
public sealed class QualityOptions
{
    public const string Section = "Quality";

    /// <summary>
    /// Inclusive plausible range per canonical quantity. The defaults keep everything the recorded AirQino samples
    /// hold (v3 calibrated values: CO -1.01..2.87 mg/m3, O3 -41.6..50.2, NO2 15.8..32.7, PM10 1.6..364.8,
    /// PM2.5 0.03..102.5, T 6.2..37.1, RH 27.5..99.8, T. int. 86..510; the older getHourlyAvg endpoint reports CO
    /// 213..546 and NO2/O3 up to 645 on another scale) with head room for Harmattan dust peaks, and drop the
    /// sentinels -999, -9999, 9999 and 65535.
    /// </summary>
    public Dictionary<string, PlausibleRange> Ranges { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        [QuantityNames.Co] = new(-5, 1_000),
        [QuantityNames.No2] = new(-50, 2_000),
        [QuantityNames.O3] = new(-100, 2_000),
        [QuantityNames.Pm10] = new(-10, 5_000),
        [QuantityNames.Pm2_5] = new(-10, 5_000),
        [QuantityNames.Temperature] = new(-50, 70),
        [QuantityNames.RelativeHumidity] = new(-5, 105),
        [QuantityNames.InternalTemperature] = new(-50, 1_000),
    };

    /// <summary>Range for quantities without their own: wide, but still below 9999 and above -999.</summary>
    public PlausibleRange DefaultRange { get; set; } = new(-990, 9_990);

    [Range(0.0, 1.0, ErrorMessage = "Quality:CompleteThreshold must be between 0 and 1 (0.75 = 18 of 24 hours).")]
    public double CompleteThreshold { get; set; } = 0.75;

    /// <summary>Stamped on every result; raise it (or the constant) when the rules change so a replay overwrites.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "Quality:AlgorithmVersion must be a positive integer.")]
    public int AlgorithmVersion { get; set; } = AveragesCalculator.AlgorithmVersion;

    public PlausibleRange RangeOf(string quantity) =>
        Ranges.TryGetValue(quantity, out var range) ? range : DefaultRange;

    /// <summary>
    /// A bound of Quality:Ranges that is no number ("500,5" with a French decimal comma): the binder drops a dictionary
    /// entry it cannot convert without a word, which would leave the default range (or DefaultRange) in force.
    /// </summary>
    public static string? UnreadableRangeBound(IConfiguration configuration)
    {
        foreach (var range in configuration.GetSection($"{Section}:{nameof(Ranges)}").GetChildren())
            foreach (var bound in range.GetChildren())
                if ((bound.Key.Equals(nameof(PlausibleRange.Min), StringComparison.OrdinalIgnoreCase)
                        || bound.Key.Equals(nameof(PlausibleRange.Max), StringComparison.OrdinalIgnoreCase))
                    && bound.Value is { } text
                    && !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                    return $"{bound.Path} '{text}' is not a number (with a dot for decimals, e.g. 0.75) " +
                           $"(environment variable {EnvironmentVariables.Of(bound.Path)}).";
        return null;
    }

    /// <summary>
    /// Checks what data annotations cannot: every range has Min &lt;= Max and is named so that it can apply. New
    /// quantities stay welcome (AirQino adds sensors), but a known quantity spelt otherwise ("pm25", "PM2.5") or a name
    /// no quantity can have would leave the default range in force without a word.
    /// </summary>
    public string? Validate()
    {
        if (DefaultRange.Min > DefaultRange.Max)
            return "Quality:DefaultRange:Min must not be greater than Quality:DefaultRange:Max.";
        if (OutOfBounds("Quality:DefaultRange", DefaultRange) is { } defaultError)
            return defaultError;
        foreach (var (quantity, range) in Ranges)
        {
            if (range is null || range.Min > range.Max || double.IsNaN(range.Min) || double.IsNaN(range.Max))
                return $"Quality:Ranges:{quantity} must have Min <= Max.";
            if ((OutOfBounds($"Quality:Ranges:{quantity}", range) ?? MisspeltQuantity(quantity)) is { } error)
                return error;
        }
        return null;
    }

    /// <summary>The largest bound a range may have: a day's sum of accepted values (at most 26 hours) stays a finite number.</summary>
    private const double LargestBound = 1e300;

    private static string? OutOfBounds(string key, PlausibleRange range) =>
        range.Min >= -LargestBound && range.Max <= LargestBound
            ? null
            : $"{key} must lie within -1e300 and 1e300: larger values would overflow a day's sum to infinity. No measured quantity comes near.";

    private static string? MisspeltQuantity(string name)
    {
        var known = QuantityNames.KnownLike(name);
        if (known is not null && !known.Equals(name, StringComparison.OrdinalIgnoreCase))
            return $"Quality:Ranges:{name} names no quantity: the averages call it {known}. Rename the key " +
                   $"Quality:Ranges:{known} (environment variables Quality__Ranges__{known}__Min and __Max).";
        // Configuration keys are read without regard to case, so a key in capitals still names its quantity.
        if (known is null && !QuantityNames.IsCanonical(name.ToLowerInvariant()))
            return $"Quality:Ranges:{name} can never apply: quantity names are {QuantityNames.Rule} (see the quantity names of an export).";
        return null;
    }
}

public sealed class PlausibleRange
{
    public PlausibleRange() { }

    public PlausibleRange(double min, double max)
    {
        Min = min;
        Max = max;
    }

    public double Min { get; set; }
    public double Max { get; set; }

    public bool Contains(double value) => value >= Min && value <= Max;
}
