using System.Globalization;

namespace Harmattan.Contracts;

/// <summary>
/// The forms an AirQino row's <c>timestamp</c> is read in: AirQino's own <c>2023-12-01 01:00:00</c>, taken as UTC, and
/// ISO 8601's <c>2023-12-01T01:00:00Z</c>, with or without seconds, fractions or an offset. The extractor takes these
/// rows, and the simulator serves a recording's rows by the same dates.
/// </summary>
public static class AirQinoTimestamps
{
    private static readonly string[] Formats =
    [
        "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm",
    ];

    /// <summary>The instant <paramref name="text"/> names, in UTC, if it is in one of the forms read.</summary>
    public static bool TryParse(string text, out DateTimeOffset instant) =>
        DateTimeOffset.TryParseExact(text, Formats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out instant);
}
