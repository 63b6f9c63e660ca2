using System.Text.Json.Nodes;
using Harmattan.Cli.Pipeline;
using Harmattan.Contracts;
using Harmattan.Transformer;

namespace Harmattan.Benchmarks.Micro;

/// <summary>
/// The first <see cref="Readings"/> rows of one synthetic station, as an AirQino response and as the 7-day messages of
/// a backfill. Per-reading figures divide by <see cref="Readings"/>, an attribute constant, so the rows are cut to it.
/// </summary>
internal sealed class MicroWorkload
{
    public const int Readings = 8_000;

    public MicroWorkload()
    {
        var dataset = new SyntheticDataset(stations: 1, days: 365);
        Station = dataset.Backfill[0];
        var response = JsonNode.Parse(dataset.StationResponse(Station.StationId))!;
        response["data"] = new JsonArray(response["data"]!.AsArray().Take(Readings).Select(row => row!.DeepClone()).ToArray());
        Response = System.Text.Encoding.UTF8.GetBytes(response.ToJsonString());

        Fetches = CorePipeline.Extract(Response, Station, FetchedAt).Where(f => f.Readings.Count > 0).ToList();
        if (Fetches.Sum(f => f.Readings.Count) != Readings)
            throw new InvalidOperationException($"The workload has {Fetches.Sum(f => f.Readings.Count)} readings, not {Readings}.");
        Averages = Fetches.Select(f => AveragesCalculator.Compute(f, Quality)).ToList();
    }

    public static DateTimeOffset FetchedAt { get; } = SyntheticDataset.SeriesEnd.AddHours(1);
    public StationDays Station { get; }
    public QualityOptions Quality { get; } = new();
    public byte[] Response { get; }
    public List<RawReadingsFetched> Fetches { get; }
    public List<AveragesComputed> Averages { get; }
}
