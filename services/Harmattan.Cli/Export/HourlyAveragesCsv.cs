using System.Globalization;
using Harmattan.Contracts;
using Harmattan.Storage;

namespace Harmattan.Cli.Export;

/// <summary>
/// Hourly averages as CSV: <c>station_id,hour,local_time</c> (the start of the hour in UTC, and at the UTC offset of the
/// zone its day was cut in), then <c>&lt;q&gt;,&lt;q&gt;_rejected</c> for each quantity present (an hour holds one value of each), one
/// row per stored hour, ascending. Invariant culture, round-trip numbers, as <see cref="DailyAveragesCsv"/>.
/// </summary>
public static class HourlyAveragesCsv
{
    public static Task WriteAsync(TextWriter writer, IReadOnlyList<ZonedHour> hours, CancellationToken cancellationToken = default) =>
        WriteAsync(writer, hours, QuantitiesPresent(hours), cancellationToken);

    /// <param name="quantities">The quantities to write the columns of, in this order, whether or not the hours hold them.</param>
    public static async Task WriteAsync(TextWriter writer, IReadOnlyList<ZonedHour> hours, IReadOnlyList<string> quantities,
        CancellationToken cancellationToken = default)
    {
        var header = new List<string> { "station_id", "hour", "local_time" };
        foreach (var q in quantities)
            header.AddRange([q, $"{q}_rejected"]);
        await CsvRow.WriteAsync(writer, header.Select(CsvCell.Text), cancellationToken);

        var cells = new List<string>(header.Count);
        foreach (var (hour, zone) in hours.OrderBy(h => h.Average.Hour))
        {
            cells.Clear();
            cells.Add(CsvCell.Text(hour.StationId));
            cells.Add(hour.Hour.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            cells.Add(TimeZoneInfo.ConvertTime(hour.Hour, zone).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture));
            foreach (var q in quantities)
            {
                if (hour.Quantities.TryGetValue(q, out var stats))
                    cells.AddRange([DailyAveragesCsv.Number(stats.Mean), stats.Rejected.ToString(CultureInfo.InvariantCulture)]);
                else
                    cells.AddRange(["", "0"]);
            }
            await CsvRow.WriteAsync(writer, cells, cancellationToken);
        }
    }

    public static IReadOnlyList<string> QuantitiesPresent(IEnumerable<ZonedHour> hours) =>
        QuantityNames.InDisplayOrder(hours.SelectMany(h => h.Average.Quantities.Keys));
}

/// <summary>An hourly average and the zone of the day it belongs to, in which its local time is written.</summary>
public sealed record ZonedHour(StoredHourlyAverage Average, TimeZoneInfo Zone);
