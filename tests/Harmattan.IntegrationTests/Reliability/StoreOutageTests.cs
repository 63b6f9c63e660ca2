using System.Text.RegularExpressions;
using Harmattan.Hosting;
using Harmattan.IntegrationTests.Support;
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

    /// <summary>
    /// An outage longer than the retry budget: the loader reports not ready while its writes fail, the messages it could
    /// not store wait in its error queues, and once the store is back a redrive makes the store exact.
    /// </summary>
    [Fact]
    public async Task A_store_outage_beyond_the_retries_sends_messages_to_error_queues_and_a_redrive_makes_the_store_exact()
    {
        var reference = await suite.ReferenceDbAsync();
        var ct = TestContext.Current.CancellationToken;
        await using var pipeline = await FaultPipeline.StartAsync(suite.Node, faults => faults.Delay = TimeSpan.FromMilliseconds(300),
            new Dictionary<string, string> { ["Bus__RetryLimit"] = "1", ["Bus__RetryMaxInterval"] = "00:00:00.500" },
            sqliteOptions: ";Default Timeout=1");
        var loader = pipeline.Services["Loader"];
        using var http = new HttpClient { BaseAddress = loader.BaseAddress, Timeout = TimeSpan.FromSeconds(20) };

        await using var backfill = pipeline.StartBackfill();
        await Task.Delay(1_500, ct);
        var sawNotReady = false;
        await using (var locker = new SqliteConnection($"Data Source={pipeline.DbPath};Pooling=False"))
        {
            await locker.OpenAsync(ct);
            await using (var begin = locker.CreateCommand())
            {
                begin.CommandText = "PRAGMA busy_timeout = 30000; BEGIN EXCLUSIVE;";
                await begin.ExecuteNonQueryAsync(ct);
            }
            // Far longer than the store's busy waits (1 s a try here) and the one bus retry, so writes really fail.
            var until = DateTime.UtcNow.AddSeconds(25);
            while (DateTime.UtcNow < until)
            {
                using var ready = await http.GetAsync("/health/ready", ct);
                sawNotReady |= ready.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable;
                await Task.Delay(1_000, ct);
            }
            await using var rollback = locker.CreateCommand();
            rollback.CommandText = "ROLLBACK;";
            await rollback.ExecuteNonQueryAsync(ct);
        }
        // The backfill sees the faults and stops waiting: the failed messages are in the error queues.
        await backfill.WaitForExitAsync(TimeSpan.FromMinutes(3));
        var before = await suite.Node.QueueDepthsAsync(pipeline.VirtualHost);
        var inError = QueueNames.All.Sum(q => before.GetValueOrDefault(QueueNames.ErrorQueue(q)));
        // The backfill names the redrive of the queues its failures went to, the store's here, not the fetches' queue.
        var named = Regex.Matches(backfill.Output, @"harmattan redrive --queue ([a-z-]+_error)").Select(m => m.Groups[1].Value).ToList();
        Assert.True(named.Count > 0, backfill.Output);
        Assert.All(named, q => Assert.True(before.GetValueOrDefault(q) > 0, $"the backfill says to redrive {q}, which is empty:\n{backfill.Output}"));

        foreach (var queue in QueueNames.All.Where(q => before.GetValueOrDefault(QueueNames.ErrorQueue(q)) > 0))
        {
            await using var redrive = ServiceProcess.StartCli(["redrive", "--queue", QueueNames.ErrorQueue(queue)], pipeline.Environment());
            Assert.True(await redrive.WaitForExitAsync(TimeSpan.FromMinutes(1)) == 0, redrive.Output);
        }
        await using (var again = pipeline.StartBackfill())
            await pipeline.RunBackfillToCompletionAsync(again);
        var after = await suite.Node.QueueDepthsAsync(pipeline.VirtualHost);
        await pipeline.StopServicesAsync();

        var comparison = StoreComparison.Compare(reference, pipeline.DbPath);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"store outage beyond retries: {inError} messages in error queues, loader not ready seen: {sawNotReady}, {comparison}");
        Assert.True(sawNotReady, "the loader stayed ready while its writes failed");
        Assert.True(inError > 0, "the outage sent nothing to an error queue; it did not outlast the retries");
        Assert.All(QueueNames.All, q => Assert.Equal(0, after.GetValueOrDefault(QueueNames.ErrorQueue(q))));
        Assert.True(comparison.IsExact, comparison + "\n" + comparison.FirstDifference);
    }
}
