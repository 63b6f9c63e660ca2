using System.Text.Json;
using Harmattan.Cli.Pipeline;
using Harmattan.Contracts;
using Harmattan.Extractor;
using Harmattan.Transformer;

namespace Harmattan.Testing;

/// <summary>What the extractor and the transformer do to a response, without bus or store: parse, cut into windows, average.</summary>
public static class CorePipeline
{
    public const int ChunkDays = 7;

    /// <summary>
    /// The backfill's commands: windows of at most <see cref="ChunkDays"/> days, balanced (365 days are 47 x 7 + 6 x 6
    /// rather than 52 x 7 + 1) so that no window is a lone day, which the source may have no rows for at all: the
    /// extractor refuses an empty answer, as it would for an unknown station.
    /// </summary>
    public static IEnumerable<FetchStationWindow> Commands(StationDays station, string requestedBy)
    {
        var chunks = (station.DayCount + ChunkDays - 1) / ChunkDays;
        var first = station.From;
        for (var i = 0; i < chunks; i++)
        {
            var days = station.DayCount / chunks + (i < station.DayCount % chunks ? 1 : 0);
            yield return StationSelection.Command(station with { From = first, To = first.AddDays(days - 1) }, requestedBy);
            first = first.AddDays(days);
        }
    }

    /// <summary>The <see cref="RawReadingsFetched"/> messages the extractor publishes for a backfill of <paramref name="station"/>.</summary>
    public static List<RawReadingsFetched> Extract(byte[] response, StationDays station, DateTimeOffset fetchedAt)
    {
        var source = "synthetic:" + station.StationId;
        RawReading[] readings = [.. AirQinoParser.Parse(response, station.StationId, source).Readings];
        var fetches = new List<RawReadingsFetched>();
        var next = 0;
        foreach (var command in Commands(station, requestedBy: "benchmark"))
        {
            // The simulator answers each command with its window's rows: the readings from here on, up to its end.
            var first = next;
            while (next < readings.Length && readings[next].Hour < command.WindowEnd)
                next++;
            var zone = TimeZoneInfo.FindSystemTimeZoneById(command.TimeZone);
            fetches.AddRange(RawReadingsMessages.Cut(command, zone, source, fetchedAt, new ArraySegment<RawReading>(readings, first, next - first)));
        }
        return fetches;
    }

    /// <summary>Parse, quality rules and aggregation of one response; returns the readings processed.</summary>
    public static int Run(byte[] response, StationDays station, DateTimeOffset fetchedAt, QualityOptions quality)
    {
        var readings = 0;
        foreach (var fetch in Extract(response, station, fetchedAt))
        {
            AveragesCalculator.Compute(fetch, quality);
            readings += fetch.Readings.Count;
        }
        return readings;
    }

    /// <summary>The floor: every token of the response read by System.Text.Json, numbers decoded, nothing kept.</summary>
    public static int WalkJson(byte[] response)
    {
        var reader = new Utf8JsonReader(response);
        var rows = 0;
        var sum = 0.0;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.Number when reader.TryGetDouble(out var value):
                    sum += value;
                    break;
                case JsonTokenType.StartObject when reader.CurrentDepth == 2:
                    rows++;
                    break;
            }
        }
        return double.IsNaN(sum) ? -rows : rows;
    }
}
