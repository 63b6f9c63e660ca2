using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using Harmattan.Hosting;

namespace Harmattan.Stations;

/// <summary>
/// A station id goes into a URL path, a queue message and database keys, so only a safe alphabet is accepted.
/// </summary>
public static partial class StationId
{
    public const string Rule = "1 to 64 characters, each a letter, a digit, '_' or '-', the first a letter or a digit; at most 18 digits when all are digits";

    public static bool IsValid([NotNullWhen(true)] string? id) => id is not null && Pattern().IsMatch(id);

    /// <exception cref="ArgumentException">The id breaks <see cref="Rule"/>.</exception>
    public static string Validate(string? id) =>
        ProblemOf(id) is { } problem ? throw new ArgumentException(problem, nameof(id)) : id!;

    /// <summary>Why <paramref name="id"/> is not a station id, naming the rule; null when it is one.</summary>
    public static string? ProblemOf(string? id) =>
        IsValid(id) ? null : $"'{PrintableText.Of(id, 80)}' is not a valid station id: use {Rule}.";

    // AirQino's numeric ids fit a 64-bit integer; a leading '-' would read as an option on a command line. \z, not $,
    // which also matches before a final line break.
    [GeneratedRegex(@"^(?![0-9]{19,}\z)[A-Za-z0-9][A-Za-z0-9_-]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
