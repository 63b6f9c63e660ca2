using BenchmarkDotNet.Attributes;
using Harmattan.Contracts;
using Harmattan.Extractor;
using Harmattan.Storage.Sqlite;
using Harmattan.Transformer;

namespace Harmattan.Benchmarks.Micro;

/// <summary>Each step of the pipeline on the same <see cref="MicroWorkload.Readings"/> readings; figures are per reading.</summary>
[MemoryDiagnoser]
public class PipelineBenchmarks
{
    private MicroWorkload _workload = null!;
    private List<byte[]> _fetchBodies = null!;
    private List<byte[]> _averagesBodies = null!;

    [GlobalSetup]
    public void Setup()
    {
        _workload = new MicroWorkload();
        _fetchBodies = _workload.Fetches.Select(MassTransitJson.Serialize).ToList();
        _averagesBodies = _workload.Averages.Select(MassTransitJson.Serialize).ToList();
    }

    [Benchmark(OperationsPerInvoke = MicroWorkload.Readings, Description = "System.Text.Json walk (floor)")]
    public int ParseOnly() => _workload.Answers.Sum(a => CorePipeline.WalkJson(a.Body));

    [Benchmark(OperationsPerInvoke = MicroWorkload.Readings, Description = "AirQinoParser.Parse")]
    public int Parse() => _workload.Answers.Sum(a => AirQinoParser.Parse(a.Body, _workload.Station.StationId, "benchmark").Readings.Count);

    [Benchmark(OperationsPerInvoke = MicroWorkload.Readings, Description = "Parse + 7-day messages + FetchIds")]
    public int Extract() => CorePipeline.Extract(_workload.Answers, MicroWorkload.FetchedAt).Count;

    [Benchmark(OperationsPerInvoke = MicroWorkload.Readings, Description = "AveragesCalculator.Compute (quality + aggregation)")]
    public int Aggregate()
    {
        var hours = 0;
        foreach (var fetch in _workload.Fetches)
            hours += AveragesCalculator.Compute(fetch, _workload.Quality).Hourly.Count;
        return hours;
    }

    [Benchmark(OperationsPerInvoke = MicroWorkload.Readings, Description = "Core: parse + quality + aggregation")]
    public int Core() => CorePipeline.Run(_workload.Answers, MicroWorkload.FetchedAt, _workload.Quality);

    [Benchmark(OperationsPerInvoke = MicroWorkload.Readings, Description = "Serialize RawReadingsFetched (MassTransit envelope)")]
    public long SerializeRaw() => _workload.Fetches.Sum(f => (long)MassTransitJson.Serialize(f).Length);

    [Benchmark(OperationsPerInvoke = MicroWorkload.Readings, Description = "Deserialize RawReadingsFetched (MassTransit envelope)")]
    public int DeserializeRaw() => _fetchBodies.Sum(b => MassTransitJson.Deserialize<RawReadingsFetched>(b).Readings.Count);

    [Benchmark(OperationsPerInvoke = MicroWorkload.Readings, Description = "Serialize AveragesComputed (MassTransit envelope)")]
    public long SerializeAverages() => _workload.Averages.Sum(a => (long)MassTransitJson.Serialize(a).Length);

    [Benchmark(OperationsPerInvoke = MicroWorkload.Readings, Description = "Deserialize AveragesComputed (MassTransit envelope)")]
    public int DeserializeAverages() => _averagesBodies.Sum(b => MassTransitJson.Deserialize<AveragesComputed>(b).Hourly.Count);
}

/// <summary>The loader's writes to SQLite, per reading: every message of the workload in one batch, into existing rows.</summary>
[MemoryDiagnoser]
public class SqliteBenchmarks
{
    private MicroWorkload _workload = null!;
    private string _directory = null!;
    private SqlitePipelineStore _store = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _workload = new MicroWorkload();
        _directory = Directory.CreateTempSubdirectory("harmattan-bench-sqlite-").FullName;
        _store = new SqlitePipelineStore($"Data Source={Path.Combine(_directory, "bench.db")}");
        await _store.InitializeAsync();
        await _store.UpsertAveragesAsync(_workload.Averages);
        await _store.ArchiveRawFetchesAsync(_workload.Fetches);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = MicroWorkload.Readings, Description = "SqlitePipelineStore.UpsertAveragesAsync")]
    public async Task<int> UpsertAverages() => (await _store.UpsertAveragesAsync(_workload.Averages)).Written;

    [Benchmark(OperationsPerInvoke = MicroWorkload.Readings, Description = "SqlitePipelineStore.ArchiveRawFetchesAsync (already archived)")]
    public Task<int> ArchiveRaw() => _store.ArchiveRawFetchesAsync(_workload.Fetches);
}
