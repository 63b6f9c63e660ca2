using Harmattan.Contracts;
using Harmattan.Hosting;
using Harmattan.IntegrationTests.Support;
using MassTransit;
using Microsoft.Data.Sqlite;

namespace Harmattan.IntegrationTests.Reliability;

/// <summary>
/// A fetch the transformer can never process (its time zone does not exist) sits among good ones: it goes through the
/// retry policy into <c>compute-averages_error</c>, once, while every good fetch is averaged and stored. The loader
/// refuses to archive it, and refuses averages whose quantity name is no field name, each into its own error queue,
/// without failing the batches they arrived in.
/// </summary>
[Collection(FaultSuite.Name)]
[Trait("Category", "Faults")]
public sealed class PoisonMessageTests(FaultSuiteFixture suite)
{
    private const int GoodFetches = 20;

    [Fact]
    public async Task A_message_that_always_throws_ends_in_the_error_queue_and_never_blocks_the_others()
    {
        await using var pipeline = await FaultPipeline.StartAsync(suite.Node, environment: new()
        {
            ["Bus__RetryLimit"] = "3",
            ["Bus__RetryMinInterval"] = "00:00:01",
            ["Bus__RetryMaxInterval"] = "00:00:02",
        });
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(new Uri(pipeline.Environment()["ConnectionStrings__RabbitMq"])));
        await bus.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            await bus.Publish(Fetch("poison-1", new DateOnly(2026, 1, 1), "Mars/Olympus_Mons"), TestContext.Current.CancellationToken);
            await bus.Publish(Builders.Averages("poison-2", new DateOnly(2026, 1, 1),
                quantities: new Dictionary<string, QuantityStats> { ["$set"] = Builders.Stats(1.0) }), TestContext.Current.CancellationToken);
            for (var i = 0; i < GoodFetches; i++)
                await bus.Publish(Fetch("good-" + i, new DateOnly(2026, 1, 1).AddDays(i), "UTC"), TestContext.Current.CancellationToken);
        }
        finally
        {
            await bus.StopAsync(CancellationToken.None);
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        long stored = 0;
        Dictionary<string, long> depths = [];
        while (DateTime.UtcNow < deadline)
        {
            stored = CountDailyRows(pipeline.DbPath);
            depths = await suite.Node.QueueDepthsAsync(pipeline.VirtualHost);
            if (stored == GoodFetches && depths.GetValueOrDefault(QueueNames.ErrorQueue(QueueNames.ComputeAverages)) == 1
                && depths.GetValueOrDefault(QueueNames.ErrorQueue(QueueNames.ArchiveRawReadings)) == 1
                && depths.GetValueOrDefault(QueueNames.ErrorQueue(QueueNames.StoreAverages)) == 1)
                break;
            await Task.Delay(500, TestContext.Current.CancellationToken);
        }
        var transformer = pipeline.Services["Transformer"].Output;
        var loader = pipeline.Services["Loader"].Output;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"poison: a fetch in an unknown zone, averages with a quantity named $set, {GoodFetches} good fetches, good days stored {stored}, queues {string.Join(", ", depths.Select(d => $"{d.Key}={d.Value}"))}");

        Assert.Equal(GoodFetches, stored);
        Assert.Equal(1, depths.GetValueOrDefault(QueueNames.ErrorQueue(QueueNames.ComputeAverages)));
        Assert.Equal(0, depths.GetValueOrDefault(QueueNames.ComputeAverages));
        Assert.Contains("Mars/Olympus_Mons", transformer);
        Assert.Equal(1, depths.GetValueOrDefault(QueueNames.ErrorQueue(QueueNames.ArchiveRawReadings)));
        Assert.Equal(1, depths.GetValueOrDefault(QueueNames.ErrorQueue(QueueNames.StoreAverages)));
        Assert.Equal(GoodFetches, CountArchivedGoodFetches(pipeline.DbPath));
        Assert.Contains("its time zone 'Mars/Olympus_Mons' is not one this system knows", loader);
        Assert.Contains("the quantity name '$set'", loader);
    }

    private static RawReadingsFetched Fetch(string station, DateOnly day, string timeZone)
    {
        var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        return new RawReadingsFetched
        {
            FetchId = Guid.NewGuid(),
            StationId = station,
            WindowStart = start,
            WindowEnd = start.AddDays(1),
            TimeZone = timeZone,
            Source = "poison-test",
            FetchedAt = new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero),
            Readings = Enumerable.Range(0, 24).Select(h => new RawReading
            {
                Hour = start.AddHours(h),
                Values = new Dictionary<string, double?> { ["co"] = 0.5 + h / 100.0 },
            }).ToArray(),
        };
    }

    private static long CountDailyRows(string db) => CountGoodRows(db, "daily_averages");

    private static long CountArchivedGoodFetches(string db) => CountGoodRows(db, "raw_fetches");

    private static long CountGoodRows(string db, string table)
    {
        if (!File.Exists(db))
            return 0;
        using var connection = new SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {table} WHERE station_id LIKE 'good-%'";
        return (long)command.ExecuteScalar()!;
    }
}
