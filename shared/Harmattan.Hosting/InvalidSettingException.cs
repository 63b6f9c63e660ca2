namespace Harmattan.Hosting;

/// <summary>
/// A setting whose value cannot be used (a connection string that does not parse), found while the services are
/// registered: the message names the key, its environment variable and what it takes, and the CLI exits with the code
/// of a usage error, as for every other refused setting.
/// </summary>
public sealed class InvalidSettingException(string message) : InvalidOperationException(message);
