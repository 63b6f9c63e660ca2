namespace Harmattan.Hosting;

/// <summary>How a configuration key is set from the environment, for the messages that name a setting.</summary>
public static class EnvironmentVariables
{
    /// <summary><c>AirQino__RetryAttempts</c> for <c>AirQino:RetryAttempts</c>.</summary>
    public static string Of(string configurationKey) => configurationKey.Replace(":", "__", StringComparison.Ordinal);
}
