using System.Globalization;
using System.Text.RegularExpressions;

namespace Harmattan.Cli.Commands;

/// <summary>The one duration syntax of every option: <c>90s</c>, <c>10m</c>, <c>3h</c>, <c>1d12h</c>, or <c>03:00:00</c>.</summary>
public static partial class Durations
{
    public const string Examples = "90s, 10m, 3h, 1d12h or 03:00:00";

    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = default;
        var match = Pattern().Match(text.Trim());
        if (match.Success && match.Length > 0)
        {
            foreach (var (group, unit) in new[] { ("d", TimeSpan.FromDays(1)), ("h", TimeSpan.FromHours(1)), ("m", TimeSpan.FromMinutes(1)), ("s", TimeSpan.FromSeconds(1)) })
                if (match.Groups[group].Success)
                    duration += unit * int.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);
            return duration > TimeSpan.Zero;
        }
        // A bare number has no unit to read it by ("10": days? seconds?), so a time span needs its colons.
        return text.Contains(':') && TimeSpan.TryParseExact(text.Trim(), "c", CultureInfo.InvariantCulture, out duration)
            && duration > TimeSpan.Zero;
    }

    /// <summary>In the syntax the options read: <c>10m</c>, <c>1d12h</c>, <c>2h30m</c>.</summary>
    public static string Format(TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero)
            return "0s";
        var parts = new[] { (duration.Days, "d"), (duration.Hours, "h"), (duration.Minutes, "m"), (duration.Seconds, "s") }
            .Where(p => p.Item1 > 0).Select(p => $"{p.Item1}{p.Item2}");
        var text = string.Concat(parts);
        return text.Length > 0 ? text : "1s";
    }

    /// <summary>A time measured, to a tenth of a second under a minute (<c>0.7s</c>, <c>12.4s</c>), else as <see cref="Format"/>.</summary>
    public static string FormatMeasured(TimeSpan duration) =>
        duration < TimeSpan.FromMinutes(1) ? $"{duration.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)}s" : Format(duration);

    /// <summary>Written in the syntax, with more digits than it reads: <c>100000d</c>.</summary>
    public static bool IsTooLong(string text) =>
        text.Trim() is { Length: > 0 } trimmed && !Pattern().IsMatch(trimmed) && AnyDigits().IsMatch(trimmed);

    public const string Longest = "9999d (or 99999h, 999999m, 9999999s)";

    // [0-9], not \d: \d also matches Arabic-Indic or full-width digits, which int.Parse then refuses with an exception.
    [GeneratedRegex(@"^(?:[0-9]+d)?(?:[0-9]+h)?(?:[0-9]+m)?(?:[0-9]+s)?$", RegexOptions.CultureInvariant)]
    private static partial Regex AnyDigits();

    [GeneratedRegex(@"^(?:(?<d>[0-9]{1,4})d)?(?:(?<h>[0-9]{1,5})h)?(?:(?<m>[0-9]{1,6})m)?(?:(?<s>[0-9]{1,7})s)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
