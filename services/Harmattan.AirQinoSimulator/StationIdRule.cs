using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Harmattan.AirQinoSimulator;

/// <summary>
/// The ids the simulator serves when it serves any station: the extractor's station-id rule, restated here so the
/// simulator image needs no service library (a test checks that both accept the same ids).
/// </summary>
public static partial class StationIdRule
{
    public const string Rule = "1 to 64 characters, each a letter, a digit, '_' or '-'";

    public static bool IsValid([NotNullWhen(true)] string? id) => id is not null && Pattern().IsMatch(id);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
