using Harmattan.Hosting;
using Harmattan.IntegrationTests.Support;

namespace Harmattan.IntegrationTests.Reliability;

/// <summary>
/// The store upgraded by a newer version while the loader process runs: the loader stops with exit code 1, as when it
/// refuses such a store at start, and what it had not stored stays in its queues, none of it in an error queue.
/// </summary>
[Collection(FaultSuite.Name)]
[Trait("Category", "Faults")]
public sealed class StoreUpgradeTests(FaultSuiteFixture suite)
{
    [Fact]
    public async Task A_store_upgraded_under_the_running_loader_stops_it_with_exit_code_1_and_leaves_its_messages_queued()
    {
        var ct = TestContext.Current.CancellationToken;
        // Each answer of AirQino 3 s late: the store is upgraded after the backfill has read it and sent its commands,
        // before the loader's first message.
        await using var pipeline = await FaultPipeline.StartAsync(suite.Node, faults => faults.Delay = TimeSpan.FromSeconds(3));
        await using var backfill = pipeline.StartBackfill();
        var sentBy = DateTime.UtcNow.AddMinutes(1);
        while (!backfill.Output.Contains("Sent ") && DateTime.UtcNow < sentBy)
            await Task.Delay(50, ct);
        Assert.True(backfill.Output.Contains("Sent "), backfill.Output);
        // What a newer version's upgrade leaves in the file the loader already opened.
        await NewerStoreFile.MarkAsync(pipeline.DbPath, ct);

        var loader = pipeline.Services["Loader"];
        var exit = await loader.WaitForExitAsync(TimeSpan.FromMinutes(2));
        // Let the fetches still on their way reach the loader's queues.
        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        var depths = await suite.Node.QueueDepthsAsync(pipeline.VirtualHost);

        Assert.True(exit == 1, $"the loader exited {exit}:\n{loader.Output}");
        Assert.Contains("The loader stops: ", loader.Output);
        // Stopped as it decided to, not by an error on its way out.
        Assert.DoesNotContain("\"@l\":\"Fatal\"", loader.Output);
        Assert.Contains(NewerStoreFile.Refusal(pipeline.DbPath), loader.Output);
        Assert.True(depths.GetValueOrDefault(QueueNames.StoreAverages) + depths.GetValueOrDefault(QueueNames.ArchiveRawReadings) > 0,
            $"nothing left in the loader's queues: {string.Join(", ", depths)}");
        Assert.All(QueueNames.All, q => Assert.Equal(0, depths.GetValueOrDefault(QueueNames.ErrorQueue(q))));
    }
}
