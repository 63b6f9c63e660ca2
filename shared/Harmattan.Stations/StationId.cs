using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

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
        IsValid(id)
            ? id
            : throw new ArgumentException($"'{Printable(id)}' is not a valid station id: use {Rule}.", nameof(id));

    private static string Printable(string? id) =>
        id is null ? "(null)" : id.Length > 80 ? id[..80] + "..." : id;

    // AirQino's numeric ids fit a 64-bit integer; a leading '-' would read as an option on a command line. \z, not $,
    // which also matches before a final line break.
    [GeneratedRegex(@"^(?![0-9]{19,}\z)[A-Za-z0-9][A-Za-z0-9_-]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
