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
    public static string? Find(IConfiguration configuration, string section, IReadOnlyCollection<string> names) =>
        configuration.GetSection(section).GetChildren()
            .FirstOrDefault(child => !names.Contains(child.Key, StringComparer.OrdinalIgnoreCase)) is { } unknown
            ? Refusal(section, unknown.Key, names)
            : null;

    /// <summary>
    /// The first key under <paramref name="section"/> that is none of the settings of <paramref name="types"/>, nor of
    /// the settings nested in them (<c>Quality:DefaultRange:Min</c>, <c>Quality:Ranges:co:Max</c>), said with the fix;
    /// or null.
    /// </summary>
    public static string? Find(IConfiguration configuration, string section, IReadOnlyCollection<Type> types)
    {
        var settings = types.SelectMany(t => t.GetProperties()).Where(p => p.CanWrite)
            .DistinctBy(p => p.Name, StringComparer.OrdinalIgnoreCase).ToList();
        var names = settings.Select(p => p.Name).ToList();
        foreach (var child in configuration.GetSection(section).GetChildren())
        {
            var setting = settings.Find(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (setting is null)
                return Refusal(section, child.Key, names);
            var key = $"{section}:{child.Key}";
            var error = setting.PropertyType switch
            {
                var type when HasSettings(type) => Find(configuration, key, [type]),
                { IsGenericType: true } type when type.GetGenericTypeDefinition() == typeof(Dictionary<,>) && HasSettings(type.GetGenericArguments()[1]) =>
                    child.GetChildren().Select(entry => Find(configuration, $"{key}:{entry.Key}", [type.GetGenericArguments()[1]]))
                        .FirstOrDefault(e => e is not null),
                _ => null,
            };
            if (error is not null)
                return error;
        }
        return null;
    }

    /// <summary>
    /// A section a letter or so away from <paramref name="section"/> ("Buss:PrefetchCount", "ConnectionString:RabbitMq"):
    /// nothing binds it, so its first key is refused as a setting of <paramref name="section"/> misspelt; or null. Sections
    /// further away are left alone: the configuration also holds the framework's and the environment's.
    /// </summary>
    public static string? FindMisspeltSection(IConfiguration configuration, string section)
    {
        var misspelt = configuration.GetChildren().FirstOrDefault(child =>
            !string.Equals(child.Key, section, StringComparison.OrdinalIgnoreCase) && child.GetChildren().Any()
            && EditDistance.Between(child.Key.ToLowerInvariant(), section.ToLowerInvariant()) <= Math.Max(1, section.Length / 4));
        if (misspelt is null)
            return null;
        var setting = misspelt.GetChildren().First().Key;
        var key = $"{misspelt.Key}:{setting}";
        return $"{key} is not a setting (environment variable {EnvironmentVariables.Of(key)}): did you mean {section}:{setting}?";
    }

    /// <summary>A class whose own writable properties are settings one level further down (not a string, a list or a value).</summary>
    private static bool HasSettings(Type type) =>
        type.IsClass && type != typeof(string) && !type.IsArray && !type.IsGenericType && type.Namespace?.StartsWith("System", StringComparison.Ordinal) != true;

    private static string Refusal(string section, string unknown, IReadOnlyCollection<string> names)
    {
        var key = $"{section}:{unknown}";
        var closest = names.MinBy(name => EditDistance.Between(name.ToLowerInvariant(), unknown.ToLowerInvariant()));
        var fix = closest is not null && EditDistance.Between(closest.ToLowerInvariant(), unknown.ToLowerInvariant()) <= Math.Max(2, closest.Length / 4)
            ? $"did you mean {section}:{closest}?"
            : $"the {section} settings are {string.Join(", ", names.Order(StringComparer.Ordinal))}.";
        return $"{key} is not a setting (environment variable {EnvironmentVariables.Of(key)}): {fix}";
    }

    internal sealed class Validator<T>(IConfiguration configuration, string section, IReadOnlyCollection<Type> types)
        : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options) =>
            (Find(configuration, section, types) ?? FindMisspeltSection(configuration, section)) is { } error
                ? ValidateOptionsResult.Fail(error)
                : ValidateOptionsResult.Success;
    }
}
