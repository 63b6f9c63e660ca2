using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Harmattan.Stations;

/// <summary>
/// A station id goes into a URL path, a queue message and database keys, so only a safe alphabet is accepted.
/// </summary>
public static partial class StationId
{
    public const string Rule = "1 to 64 characters, each a letter, a digit, '_' or '-'";

    public static bool IsValid([NotNullWhen(true)] string? id) => id is not null && Pattern().IsMatch(id);

    /// <exception cref="ArgumentException">The id breaks <see cref="Rule"/>.</exception>
    public static string Validate(string? id) =>
        IsValid(id)
            ? id
            : throw new ArgumentException($"'{Printable(id)}' is not a valid station id: use {Rule}.", nameof(id));

    private static string Printable(string? id) =>
        id is null ? "(null)" : id.Length > 80 ? id[..80] + "..." : id;

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
