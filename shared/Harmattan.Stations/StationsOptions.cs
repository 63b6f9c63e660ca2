using Harmattan.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Harmattan.Stations;

/// <summary>
/// One station to poll: its AirQino id, the IANA time zone whose days cut its windows, and the name the dashboard shows
/// for it (none: the id alone).
/// </summary>
public sealed class StationConfig
{
    public string Id { get; set; } = "";
    public string TimeZone { get; set; } = "UTC";
    public string? Name { get; set; }

    /// <exception cref="TimeZoneNotFoundException">The zone is unknown (validation at start-up prevents this).</exception>
    public TimeZoneInfo FindTimeZone() => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
}

/// <summary>
/// The stations to poll and show, from the configuration list <c>Stations:N:Id</c> / <c>:TimeZone</c> / <c>:Name</c>.
/// When the list is empty the two AQ54 stations of Abidjan are used.
/// </summary>
public sealed class StationsOptions
{
    public const string Section = "Stations";

    /// <summary>
    /// Named as AirQino names them. In code, not in an appsettings file: a configured list is merged into an appsettings
    /// list key by key, so setting only <c>Stations__0__Id</c> would keep the second default station and the first one's name.
    /// </summary>
    public static IReadOnlyList<StationConfig> Defaults =>
    [
        new() { Id = "283164601", TimeZone = "UTC", Name = "SMART188" },
        new() { Id = "283181971", TimeZone = "UTC", Name = "SMART189" },
    ];

    public IReadOnlyList<StationConfig> Stations { get; set; } = Defaults;

    /// <summary>
    /// Reads the list into fresh objects: binding onto a pre-filled list would append the configured
    /// stations to the defaults instead of replacing them.
    /// </summary>
    public static IReadOnlyList<StationConfig> Read(IConfiguration configuration)
    {
        var configured = configuration.GetSection(Section).Get<List<StationConfig>>();
        return configured is { Count: > 0 } ? configured : Defaults;
    }

    /// <summary>
    /// The first problem of the configured stations (<paramref name="options"/>, read from <paramref name="configuration"/>):
    /// a key that is no station's setting, a missing or invalid id, an id listed twice, an unknown time zone; said with the
    /// configuration key and the fix, or null.
    /// </summary>
    public static string? Problem(IConfiguration configuration, StationsOptions options)
    {
        if (UnknownSetting(configuration) is { } unknown)
            return unknown;
        // The list skips a gap in the indexes (Stations:0 and Stations:3 bind to two stations), so a message names the key
        // the user wrote, not the station's place in the list.
        var keys = configuration.GetSection(Section).GetChildren().Select(child => child.Key).ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Stations.Count; i++)
        {
            var station = options.Stations[i];
            var key = $"{Section}:{(keys.Count == options.Stations.Count ? keys[i] : i.ToString(System.Globalization.CultureInfo.InvariantCulture))}";
            if ((IdProblem(key, station.Id, seen) ?? TimeZoneProblem($"{key}:TimeZone", station.TimeZone)) is { } problem)
                return problem;
        }
        return null;
    }

    /// <summary>
    /// What is wrong with <paramref name="id"/> as the Id of the station under <paramref name="stationKey"/>
    /// (<c>Stations:0</c>), naming the fix, or null; <paramref name="seen"/> holds the ids of the stations before it, and
    /// gains this one.
    /// </summary>
    private static string? IdProblem(string stationKey, string? id, ISet<string> seen)
    {
        if (string.IsNullOrEmpty(id))
            return $"{stationKey}:Id is missing: every configured station needs its Id (configuring any {Section}:N key replaces the default stations {string.Join(" and ", Defaults.Select(d => d.Id))}).";
        if (!StationId.IsValid(id))
            return $"{stationKey}:Id '{id}' is not a valid station id: use {StationId.Rule}.";
        return seen.Add(id) ? null : $"{stationKey}:Id '{id}' is listed twice: remove one of the entries.";
    }

    /// <summary>
    /// The first key under <c>Stations</c> that is no station's setting ("Stations:0:TimeZon", or "Stations:Id" without
    /// the station's index), or the list under a misspelt section ("Station:0:Id", which would leave the default stations
    /// in force), said with the fix; or null.
    /// </summary>
    private static string? UnknownSetting(IConfiguration configuration)
    {
        // Stations=283164601 (or a comma list) binds to no station, which would leave the default stations in force.
        if (configuration.GetSection(Section).Value is { } value)
            return $"{Section} '{value}' is not a setting (environment variable {Section}): the stations are a list, {Section}:0:Id, {Section}:0:TimeZone, " +
                   $"{Section}:1:Id and so on (environment variables {Section}__0__Id, ...).";
        foreach (var station in configuration.GetSection(Section).GetChildren())
        {
            if (!station.Key.All(char.IsAsciiDigit))
                return $"{Section}:{station.Key} is not a setting: the stations are a list, {Section}:0:Id, {Section}:0:TimeZone, " +
                       $"{Section}:1:Id and so on (environment variables {Section}__0__Id, ...).";
            if (UnknownSettings.Find(configuration, $"{Section}:{station.Key}", StationSettings) is { } error)
                return error;
        }
        return UnknownSettings.FindMisspeltSection(configuration, Section);
    }

    private static readonly string[] StationSettings = [nameof(StationConfig.Id), nameof(StationConfig.TimeZone), nameof(StationConfig.Name)];

    /// <summary>What is wrong with <paramref name="id"/> as the value of <paramref name="key"/>, naming the fix, or null.</summary>
    public static string? TimeZoneProblem(string key, string? id)
    {
        if (TryFindTimeZone(id, out _))
            return null;
        if (id is not null && TimeZoneInfo.TryConvertWindowsIdToIanaId(id, out var iana))
            return $"{key} '{id}' is a Windows time zone id, which the services do not resolve: use its IANA id '{iana}'.";
        if (id is not null && Resembling(id) is { Count: > 0 } meant)
            return $"{key} '{id}' is not a known time zone: use the IANA id {string.Join(" or ", meant.Select(zone => $"'{zone}'"))}.";
        // The services run without culture data, which the conversion above needs; no IANA id holds a space.
        return id is not null && id.Contains(' ')
            ? $"{key} '{id}' looks like a Windows time zone id, which the services do not resolve: use its IANA id (e.g. Europe/Berlin for 'W. Europe Standard Time', Africa/Lagos for 'W. Central Africa Standard Time')."
            : $"{key} '{id}' is not a known time zone: use an IANA id such as UTC or Africa/Abidjan.";
    }

    /// <summary>
    /// The IANA ids <paramref name="id"/> most likely meant: the same id in other letter case ('europe/paris'; the ids are
    /// file names, case-sensitive on Linux), or the zones named after that city ('Paris', 'new york').
    /// </summary>
    private static List<string> Resembling(string id)
    {
        var wanted = id.Trim().Replace(' ', '_');
        return [.. TimeZoneInfo.GetSystemTimeZones().Select(zone => zone.Id)
            .Where(zone => zone.Contains('/') && (string.Equals(zone, wanted, StringComparison.OrdinalIgnoreCase)
                || string.Equals(zone[(zone.LastIndexOf('/') + 1)..], wanted, StringComparison.OrdinalIgnoreCase)))
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// The zone a station's stored days are shown in where a day records none: the zone its latest archived fetch was cut
    /// in (<paramref name="lastFetchTimeZone"/>), else its configured one, else UTC.
    /// </summary>
    public static TimeZoneInfo ZoneOfDays(string? lastFetchTimeZone, string? configuredTimeZone) =>
        TryFindTimeZone(lastFetchTimeZone, out var zone) || TryFindTimeZone(configuredTimeZone, out zone) ? zone : TimeZoneInfo.Utc;

    /// <summary>
    /// IANA ids only: a Windows id resolves only in a process with culture data (ICU), and the services run without it,
    /// so a command the CLI accepted with one would fail in the extractor. Spelt as the zone's file is, too: .NET finds
    /// 'europe/paris' only once the process has loaded Europe/Paris (its cache ignores case, the files do not), so it
    /// passed where another station was configured in Europe/Paris before it, and the transformer, which had not loaded
    /// that zone yet, refused the fetch. "utc" in any case is .NET's own zone, found everywhere.
    /// </summary>
    public static bool TryFindTimeZone(string? id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TimeZoneInfo? zone)
    {
        zone = null;
        if (string.IsNullOrWhiteSpace(id))
            return false;
        try
        {
            var found = TimeZoneInfo.FindSystemTimeZoneById(id);
            if (!found.HasIanaId || (found.Id != id && !string.Equals(id, TimeZoneInfo.Utc.Id, StringComparison.OrdinalIgnoreCase)))
                return false;
            zone = found;
            return true;
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return false;
        }
    }
}

internal sealed class StationsOptionsValidator(IConfiguration configuration) : IValidateOptions<StationsOptions>
{
    public ValidateOptionsResult Validate(string? name, StationsOptions options) =>
        StationsOptions.Problem(configuration, options) is { } error
            ? ValidateOptionsResult.Fail(error)
            : ValidateOptionsResult.Success;
}
