using System.Text.RegularExpressions;

namespace Harmattan.Hosting;

/// <summary>
/// A configuration value the binder could not convert to its setting's type ("abc" for a number, "0,75" for 0.75,
/// "Kafka" for a transport), said as the other refused settings are: the key, its environment variable and what it takes.
/// </summary>
public static partial class ConfigurationValueError
{
    /// <summary>
    /// The one-line description, or null when no exception in the chain is such a conversion failure or an
    /// <see cref="InvalidSettingException"/>.
    /// </summary>
    public static string? Describe(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is InvalidSettingException)
                return e.Message;
            if (e is not InvalidOperationException || FailedConversion().Match(e.Message) is not { Success: true } match)
                continue;
            var key = match.Groups["key"].Value;
            return $"{key} '{match.Groups["value"].Value}' is not {Expected(match.Groups["type"].Value)} " +
                   $"(environment variable {EnvironmentVariables.Of(key)}).";
        }
        return null;
    }

    private static string Expected(string typeName) => typeName switch
    {
        "System.Int32" or "System.Int64" => "a whole number",
        "System.Double" or "System.Decimal" or "System.Single" => "a number (with a dot for decimals, e.g. 0.75)",
        "System.TimeSpan" => "a duration as hh:mm:ss (e.g. 00:00:30)",
        "System.Boolean" => "true or false",
        _ when FindEnum(typeName) is { } type => $"one of {string.Join(", ", Enum.GetNames(type))}",
        _ => $"a {typeName[(typeName.LastIndexOf('.') + 1)..]}",
    };

    private static Type? FindEnum(string typeName) => AppDomain.CurrentDomain.GetAssemblies()
        .Select(a => a.GetType(typeName, throwOnError: false))
        .FirstOrDefault(t => t is { IsEnum: true });

    // The binder's wording: "Failed to convert configuration value 'abc' at 'AirQino:RetryAttempts' to type 'System.Int32'."
    [GeneratedRegex(@"^Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex FailedConversion();
}
