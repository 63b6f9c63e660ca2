using System.Text.Json;
using Harmattan.Cli.Pipeline;
using Harmattan.Contracts;
using Harmattan.Extractor;
using Harmattan.Transformer;

namespace Harmattan.Testing;

/// <summary>What the extractor and the transformer do to the source's answers, without bus or store: parse, cut into messages, average.</summary>
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

    /// <summary>
    /// Every command of a backfill of <paramref name="station"/> with the simulator's answer to it. The extractor
    /// parses one window's answer at a time, never a whole year, so the core is measured on these.
    /// </summary>
    public static IReadOnlyList<CommandAnswer> Answers(SyntheticDataset dataset, StationDays station) =>
        Commands(station, requestedBy: "backfill")
            .Select(command => new CommandAnswer(command, dataset.WindowResponse(station.StationId, command.WindowStart, command.WindowEnd)))
            .ToArray();

    /// <summary>The <see cref="RawReadingsFetched"/> messages the extractor publishes for <paramref name="answers"/>.</summary>
    public static List<RawReadingsFetched> Extract(IEnumerable<CommandAnswer> answers, DateTimeOffset fetchedAt) =>
        answers.SelectMany(answer => Messages(answer, fetchedAt)).ToList();

    /// <summary>
    /// Parse, quality rules and aggregation of each answer in turn, as the services hold one window at a time;
    /// returns the readings processed.
    /// </summary>
    public static int Run(IEnumerable<CommandAnswer> answers, DateTimeOffset fetchedAt, QualityOptions quality)
    {
        var readings = 0;
        foreach (var answer in answers)
            foreach (var fetch in Messages(answer, fetchedAt))
            {
                AveragesCalculator.Compute(fetch, quality);
                readings += fetch.Readings.Count;
            }
        return readings;
    }

    private static IReadOnlyList<RawReadingsFetched> Messages(CommandAnswer answer, DateTimeOffset fetchedAt)
    {
        var (command, body) = answer;
        var source = "synthetic:" + command.StationId;
        var readings = AirQinoParser.Parse(body, command.StationId, source, command.WindowStart, command.WindowEnd).Readings;
        var zone = TimeZoneInfo.FindSystemTimeZoneById(command.TimeZone);
        return RawReadingsMessages.Cut(command, zone, source, fetchedAt, readings);
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

/// <summary>A backfill command and the source's answer to it.</summary>
public sealed record CommandAnswer(FetchStationWindow Command, byte[] Body);
