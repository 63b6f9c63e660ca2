using System.Diagnostics;
using System.Text;
using Harmattan.Benchmarks.Micro;
using Harmattan.Storage.MongoDb;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Events;

namespace Harmattan.Benchmarks.MongoWrites;

/// <summary>
/// What the loader sends MongoDB for a year of one station, counted from the driver's command events: commands and
/// request bytes per batch, bytes per hourly document and how much of them are field names. These depend on the
/// driver and the document shape, not on the server. The time it prints is the server's, so it means nothing on the
/// wire stand-in and is labelled with the target.
/// </summary>
public static class MongoWriteBenchmark
{
    public const string Usage = "mongo-writes [--mongo URI]   (default: ConnectionStrings__MongoDb)";

    /// <summary>The loader's default batch (Loader:BatchSize): one bulk write per collection per batch.</summary>
    private const int BatchSize = 10;

    public static async Task<int> RunAsync(string[] args)
    {
        var uri = args is ["--mongo", var given] ? given : Environment.GetEnvironmentVariable("ConnectionStrings__MongoDb");
        var problem = args.Length > 0 && args is not ["--mongo", _]
            ? $"mongo-writes takes only --mongo URI, not '{string.Join(' ', args)}'."
            : string.IsNullOrWhiteSpace(uri)
                ? "mongo-writes needs a MongoDB: pass --mongo mongodb://host:27017/?replicaSet=rs0 or set ConnectionStrings__MongoDb."
                : null;
        if (problem is not null || uri is null)
        {
            await Console.Error.WriteLineAsync($"{problem}\nusage: dotnet run -c Release --project tests/Harmattan.Benchmarks -- {Usage}");
            return 2;
        }

        var target = await MongoTarget.DescribeAsync(uri);
        var commandBytes = new List<int>();
        var settings = MongoRegistration.ClientSettings(uri);
        settings.ClusterConfigurator = cluster => cluster.Subscribe<CommandStartedEvent>(e =>
        {
            if (e.CommandName is "insert" or "update")
                lock (commandBytes)
                    commandBytes.Add(e.Command.ToBson().Length);
        });
        using var client = new MongoClient(settings);
        var database = $"harmattan_bench_{Guid.NewGuid():N}";
        try
        {
            var store = new MongoPipelineStore(client, database, TimeSpan.FromMinutes(5));
            await store.InitializeAsync();
            var workload = new MicroWorkload();
            var hourlyRows = workload.Averages.Sum(a => a.Hourly.Count);
            var dailyRows = workload.Averages.Sum(a => a.Daily.Count);
            var batches = (workload.Averages.Count + BatchSize - 1) / BatchSize;

            Console.WriteLine($"MongoDB write path: {MicroWorkload.Readings:N0} readings of one station in {workload.Averages.Count} messages, " +
                $"batches of {BatchSize} ({batches} batches), against {target}");
            // Each line as soon as its writes are done: on a slow server the three take minutes.
            Report("archive (insert)", await MeasureAsync(commandBytes, () => InBatchesAsync(workload.Fetches, f => store.ArchiveRawFetchesAsync(f))),
                batches, workload.Fetches.Sum(f => f.Readings.Count), "reading");
            Report("averages, first write (update, upserts)", await MeasureAsync(commandBytes, () => InBatchesAsync(workload.Averages, a => store.UpsertAveragesAsync(a))),
                batches, hourlyRows + dailyRows, "row");
            Report("averages, written again (update, replaces)", await MeasureAsync(commandBytes, () => InBatchesAsync(workload.Averages, a => store.UpsertAveragesAsync(a))),
                batches, hourlyRows + dailyRows, "row");
            var sample = MongoSchema.ToDocument(workload.Averages[0], workload.Averages[0].Hourly[0]);
            var names = FieldNameBytes(sample);
            Console.WriteLine($"  one hourly document: {sample.ToBson().Length:N0} bytes of BSON, {names:N0} of them field names " +
                $"({100.0 * names / sample.ToBson().Length:0} %)");
            return 0;
        }
        finally
        {
            await client.DropDatabaseAsync(database);
        }
    }

    private sealed record Measured(int Commands, long Bytes, TimeSpan Elapsed);

    private static async Task<Measured> MeasureAsync(List<int> commandBytes, Func<Task> work)
    {
        lock (commandBytes)
            commandBytes.Clear();
        var clock = Stopwatch.StartNew();
        await work();
        clock.Stop();
        lock (commandBytes)
            return new Measured(commandBytes.Count, commandBytes.Sum(b => (long)b), clock.Elapsed);
    }

    private static async Task InBatchesAsync<T>(IReadOnlyList<T> messages, Func<IReadOnlyCollection<T>, Task> write)
    {
        foreach (var batch in messages.Chunk(BatchSize))
            await write(batch);
    }

    private static void Report(string what, Measured measured, int batches, int units, string unit) =>
        Console.WriteLine($"  {what}: {(double)measured.Commands / batches:0.0} commands and {measured.Bytes / batches:N0} request bytes " +
            $"per batch, {(double)measured.Bytes / units:0} bytes per {unit}; {measured.Elapsed.TotalMicroseconds / units:0.0} µs per {unit} on this target");

    private static int FieldNameBytes(BsonDocument document) =>
        document.Elements.Sum(e => Encoding.UTF8.GetByteCount(e.Name) + 1 + (e.Value is BsonDocument inner ? FieldNameBytes(inner) : 0));
}
