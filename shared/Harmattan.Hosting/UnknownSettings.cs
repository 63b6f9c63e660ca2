using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Harmattan.Hosting;

/// <summary>
/// A key under a section of settings that no setting has ("Quality:CompleteTreshold"): the binder would ignore it and
/// the default would silently stay in force, so it is refused at start, naming the setting it most resembles.
/// </summary>
public static class UnknownSettings
{
    /// <summary>The first key under <paramref name="section"/> that none of <paramref name="names"/> matches, said with the fix; or null.</summary>
    public static string? Find(IConfiguration configuration, string section, IReadOnlyCollection<string> names)
    {
        foreach (var child in configuration.GetSection(section).GetChildren())
        {
            if (names.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
                continue;
            var key = $"{section}:{child.Key}";
            var closest = names.MinBy(name => Distance(name.ToLowerInvariant(), child.Key.ToLowerInvariant()));
            var fix = closest is not null && Distance(closest.ToLowerInvariant(), child.Key.ToLowerInvariant()) <= Math.Max(2, closest.Length / 4)
                ? $"did you mean {section}:{closest}?"
                : $"the {section} settings are {string.Join(", ", names.Order(StringComparer.Ordinal))}.";
            return $"{key} is not a setting (environment variable {key.Replace(":", "__", StringComparison.Ordinal)}): {fix}";
        }
        return null;
    }

    /// <summary>The settings an options class reads: its public writable properties.</summary>
    public static IReadOnlyCollection<string> NamesOf(params Type[] types) =>
        types.SelectMany(t => t.GetProperties()).Where(p => p.CanWrite).Select(p => p.Name).Distinct().ToList();

    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            previous = current;
        }
        return previous[b.Length];
    }

    internal sealed class Validator<T>(IConfiguration configuration, string section, IReadOnlyCollection<string> names)
        : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options) =>
            Find(configuration, section, names) is { } error ? ValidateOptionsResult.Fail(error) : ValidateOptionsResult.Success;
    }
}
