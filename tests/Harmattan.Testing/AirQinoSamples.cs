namespace Harmattan.Testing;

/// <summary>
/// Finds the team's recorded AirQino responses (<c>../shared/airqino-samples</c> beside the repository).
/// They are third-party data and are never copied into the repository.
/// </summary>
public static class AirQinoSamples
{
    public const string EnvironmentVariable = "HARMATTAN_AIRQINO_SAMPLES";
    public const string Station1File = "v3_getStationHourlyAvg_283164601_SMART188_data.json";
    public const string Station2File = "v3_getStationHourlyAvg_283181971_SMART189_data.json";
    public const string SeedDailyStation1File = "seed_daily_avg_station1.csv";

    /// <summary>The samples folder, or null when it is absent (tests then skip with <see cref="MissingReason"/>).</summary>
    public static string? Directory { get; } = Find();

    public static string MissingReason =>
        $"the recorded AirQino samples were not found: expected a folder shared/airqino-samples beside the repository, " +
        $"or set {EnvironmentVariable} to its path";

    public static string PathOf(string fileName) =>
        Path.Combine(Directory ?? throw new InvalidOperationException(MissingReason), fileName);

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured)
            return System.IO.Directory.Exists(configured) ? configured : null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "airqino-samples");
            if (File.Exists(Path.Combine(candidate, Station1File)))
                return candidate;
        }
        return null;
    }
}
