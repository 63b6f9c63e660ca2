using System.Text.Json.Nodes;
using Harmattan.Cli.Pipeline;
using Harmattan.Contracts;
using Harmattan.Transformer;

namespace Harmattan.Benchmarks.Micro;

/// <summary>
/// The first <see cref="Readings"/> rows of one synthetic station, as the AirQino answers to a backfill's commands and
/// as the 7-day messages the extractor makes of them. Per-reading figures divide by <see cref="Readings"/>, an
/// attribute constant, so the last answer is cut to it.
/// </summary>
internal sealed class MicroWorkload
{
    public const int Readings = 8_000;

    public MicroWorkload()
    {
        var dataset = new SyntheticDataset(stations: 1, days: 365);
        Station = dataset.Backfill[0];
        var rows = 0;
        foreach (var answer in CorePipeline.Answers(dataset, Station))
        {
            var response = JsonNode.Parse(answer.Body)!;
            var data = response["data"]!.AsArray();
            var kept = Math.Min(data.Count, Readings - rows);
            response["data"] = new JsonArray(data.Take(kept).Select(row => row!.DeepClone()).ToArray());
            Answers.Add(answer with { Body = System.Text.Encoding.UTF8.GetBytes(response.ToJsonString()) });
            rows += kept;
            if (rows == Readings)
                break;
        }

        Fetches = CorePipeline.Extract(Answers, FetchedAt).Where(f => f.Readings.Count > 0).ToList();
        if (Fetches.Sum(f => f.Readings.Count) != Readings)
            throw new InvalidOperationException($"The workload has {Fetches.Sum(f => f.Readings.Count)} readings, not {Readings}.");
        Averages = Fetches.Select(f => AveragesCalculator.Compute(f, Quality)).ToList();
    }

    public static DateTimeOffset FetchedAt { get; } = SyntheticDataset.SeriesEnd.AddHours(1);
    public StationDays Station { get; }
    public QualityOptions Quality { get; } = new();
    public List<CommandAnswer> Answers { get; } = [];
    public List<RawReadingsFetched> Fetches { get; }
    public List<AveragesComputed> Averages { get; }
}
