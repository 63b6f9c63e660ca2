using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Harmattan.AirQinoSimulator;

/// <summary>
/// The ids the simulator serves when it serves any station: the extractor's station-id rule, restated here so the
/// simulator image needs no service library (a test checks that both accept the same ids).
/// </summary>
public static partial class StationIdRule
{
    public const string Rule = "1 to 64 characters, each a letter, a digit, '_' or '-', the first a letter or a digit; at most 18 digits when all are digits";

    public static bool IsValid([NotNullWhen(true)] string? id) => id is not null && Pattern().IsMatch(id);

    // AirQino's numeric ids fit a 64-bit integer; a leading '-' would read as an option on a command line.
    [GeneratedRegex("^(?![0-9]{19,}$)[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
