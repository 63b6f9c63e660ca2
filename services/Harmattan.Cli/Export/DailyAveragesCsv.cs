using System.Globalization;
using Harmattan.Contracts;
using Harmattan.Storage;

namespace Harmattan.Cli.Export;

/// <summary>
/// Daily averages as CSV: <c>station_id,date,time_zone</c>, then <c>&lt;q&gt;_mean,_min,_max,_count,_rejected</c> for each
/// quantity present, then <c>hours_covered,completeness,is_complete,is_running</c>. Invariant culture, round-trip numbers, one row per day, ascending.
/// </summary>
public static class DailyAveragesCsv
{
    /// <param name="now">The time of the export, for <c>is_running</c>: a day fetched before it ended and not since is no longer running.</param>
    public static Task WriteAsync(TextWriter writer, IReadOnlyList<StoredDailyAverage> days, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        WriteAsync(writer, days, QuantitiesPresent(days), now, cancellationToken);

    /// <param name="quantities">The quantities to write the columns of, in this order, whether or not the days hold them.</param>
    /// <param name="zoneWhenUnknown">The zone a day that records none was cut in (UTC when null), for <c>is_running</c>.</param>
    public static async Task WriteAsync(TextWriter writer, IReadOnlyList<StoredDailyAverage> days, IReadOnlyList<string> quantities,
        DateTimeOffset now, CancellationToken cancellationToken = default, string? zoneWhenUnknown = null)
    {
        var header = new List<string> { "station_id", "date", "time_zone" };
        foreach (var q in quantities)
            header.AddRange([$"{q}_mean", $"{q}_min", $"{q}_max", $"{q}_count", $"{q}_rejected"]);
        header.AddRange(["hours_covered", "completeness", "is_complete", "is_running"]);
        await CsvRow.WriteAsync(writer, header.Select(CsvCell.Text), cancellationToken);

        var cells = new List<string>(header.Count);
        foreach (var day in days.OrderBy(d => d.Date))
        {
            cells.Clear();
            cells.Add(CsvCell.Text(day.StationId));
            cells.Add(day.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            cells.Add(CsvCell.Text(day.TimeZone ?? ""));
            foreach (var q in quantities)
            {
                if (day.Quantities.TryGetValue(q, out var stats))
                    cells.AddRange([Number(stats.Mean), Number(stats.Min), Number(stats.Max), Count(stats.Count), Count(stats.Rejected)]);
                else
                    cells.AddRange(["", "", "", "0", "0"]);
            }
            cells.Add(day.HoursCovered.ToString(CultureInfo.InvariantCulture));
            cells.Add(Number(day.Completeness));
            cells.Add(day.IsComplete ? "true" : "false");
            cells.Add(day.IsRunning(zoneWhenUnknown, now) ? "true" : "false");
            await CsvRow.WriteAsync(writer, cells, cancellationToken);
        }
    }

    public static IReadOnlyList<string> QuantitiesPresent(IEnumerable<StoredDailyAverage> days) =>
        QuantityNames.InDisplayOrder(days.SelectMany(d => d.Quantities.Keys));

    private static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A number as both exports write it: invariant culture, round-trip precision, empty when absent.</summary>
    internal static string Number(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? "";
}
