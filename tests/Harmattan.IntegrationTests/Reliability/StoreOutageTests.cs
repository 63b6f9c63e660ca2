using Harmattan.Hosting;
using Microsoft.Data.Sqlite;

namespace Harmattan.IntegrationTests.Reliability;

/// <summary>
/// The SQLite store locked by another process (an exclusive transaction) in the middle of a backfill, for longer than
/// the store's busy timeout: the loader's writes fail and are retried, nothing lands in an error queue, and once the
/// lock is gone the store equals the fault-free run.
/// </summary>
[Collection(FaultSuite.Name)]
[Trait("Category", "Faults")]
public sealed class StoreOutageTests(FaultSuiteFixture suite)
{
    [Fact]
    public async Task A_locked_store_delays_the_loader_and_loses_nothing()
    {
        var reference = await suite.ReferenceDbAsync();
        await using var pipeline = await FaultPipeline.StartAsync(suite.Node, faults => faults.Delay = TimeSpan.FromMilliseconds(400));
        var outage = TimeSpan.FromSeconds(15);

        await using var backfill = pipeline.StartBackfill();
        await Task.Delay(2_000, TestContext.Current.CancellationToken);
        Assert.False(backfill.HasExited, "the backfill ended before the outage");
        await using (var locker = new SqliteConnection($"Data Source={pipeline.DbPath};Pooling=False"))
        {
            await locker.OpenAsync(TestContext.Current.CancellationToken);
            await using (var begin = locker.CreateCommand())
            {
                begin.CommandText = "PRAGMA busy_timeout = 30000; BEGIN EXCLUSIVE;";
                await begin.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
            }
            await Task.Delay(outage, TestContext.Current.CancellationToken);
            await using var rollback = locker.CreateCommand();
            rollback.CommandText = "ROLLBACK;";
            await rollback.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }
        await pipeline.RunBackfillToCompletionAsync(backfill);
        var depths = await suite.Node.QueueDepthsAsync(pipeline.VirtualHost);
        await pipeline.StopServicesAsync();

        var comparison = StoreComparison.Compare(reference, pipeline.DbPath);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"store outage: SQLite locked {outage.TotalSeconds} s, queues {string.Join(", ", depths.Select(d => $"{d.Key}={d.Value}"))}, {comparison}");
        Assert.All(QueueNames.All, q => Assert.Equal(0, depths.GetValueOrDefault(QueueNames.ErrorQueue(q))));
        Assert.True(comparison.IsExact, comparison + "\n" + comparison.FirstDifference);
    }
}
