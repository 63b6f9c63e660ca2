using Harmattan.Stations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Harmattan.Dashboard;

/// <summary>A station as the dashboard labels it: <c>Stations:N:Id</c>, <c>:Name</c> and <c>:TimeZone</c>.</summary>
public sealed class DashboardStation
{
    public string Id { get; set; } = "";
    public string? Name { get; set; }
    public string TimeZone { get; set; } = "UTC";
}

/// <summary>
/// The configured stations, read from the same <c>Stations</c> list the extractor polls. The dashboard shows every
/// station with data in the store; this list adds names, the time zone that cuts a station's days (UTC otherwise)
/// and configured stations that have no data yet. Without the list, the extractor's two default stations, named.
/// </summary>
public sealed class DashboardOptions
{
    public const string StationsSection = "Stations";

    /// <summary>
    /// The default stations' names on AirQino. Kept here, not in an appsettings file: a configured list is merged into an
    /// appsettings list key by key, so setting only <c>Stations__0__Id</c> would have kept the second default station and
    /// the first one's name.
    /// </summary>
    private static readonly Dictionary<string, string> DefaultNames = new(StringComparer.Ordinal)
    {
        ["283164601"] = "SMART188",
        ["283181971"] = "SMART189",
    };

    public List<DashboardStation> Stations { get; set; } = [];

    public static List<DashboardStation> Read(IConfiguration configuration) =>
        configuration.GetSection(StationsSection).Get<List<DashboardStation>>() is { Count: > 0 } configured
            ? configured
            : [.. StationsOptions.Defaults.Select(s => new DashboardStation { Id = s.Id, Name = DefaultNames.GetValueOrDefault(s.Id), TimeZone = s.TimeZone })];

    /// <summary>The first problem, naming the configuration key and the fix, or null.</summary>
    public static string? Validate(DashboardOptions options)
    {
        // The services' rules and words: an id they refuse is no station of theirs to show.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Stations.Count; i++)
        {
            var station = options.Stations[i];
            if ((StationsOptions.IdProblem(i, station.Id, seen)
                 ?? StationsOptions.TimeZoneProblem($"{StationsSection}:{i}:TimeZone", station.TimeZone)) is { } problem)
                return problem;
        }
        return null;
    }
}

internal sealed class DashboardOptionsValidator(IConfiguration configuration) : IValidateOptions<DashboardOptions>
{
    public ValidateOptionsResult Validate(string? name, DashboardOptions options) =>
        (StationsOptions.UnknownSetting(configuration) ?? DashboardOptions.Validate(options)) is { } error
            ? ValidateOptionsResult.Fail(error)
            : ValidateOptionsResult.Success;
}
