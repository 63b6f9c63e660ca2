namespace Harmattan.IntegrationTests.Reliability;

/// <summary>
/// <c>rabbitmqctl stop_app</c> / <c>start_app</c> on the dedicated node in the middle of a backfill: the services and the
/// CLI reconnect by themselves, nothing hangs (every wait is bounded), and the final store equals the fault-free run.
/// </summary>
[Collection(FaultSuite.Name)]
[Trait("Category", "Faults")]
public sealed class BrokerRestartTests(FaultSuiteFixture suite)
{
    [Theory]
    [InlineData(404, 1)]
    [InlineData(505, 2)]
    public async Task Restarting_the_broker_during_a_backfill_loses_and_duplicates_nothing(int seed, int restarts)
    {
        var reference = await suite.ReferenceDbAsync();
        await using var pipeline = await FaultPipeline.StartAsync(suite.Node, faults => faults.Delay = TimeSpan.FromMilliseconds(400));
        var random = new Random(seed);
        var moments = new List<string>();

        await using var backfill = pipeline.StartBackfill();
        var injected = 0;
        for (var i = 0; i < restarts && !backfill.HasExited; i++)
        {
            var before = random.Next(1_000, 3_000);
            var down = random.Next(1_000, 5_000);
            await Task.Delay(before, TestContext.Current.CancellationToken);
            if (backfill.HasExited)
                break;
            await suite.Node.StopAppAsync();
            injected++;
            await Task.Delay(down, TestContext.Current.CancellationToken);
            await suite.Node.StartAppAsync();
            moments.Add($"after {before} ms, down {down} ms");
        }
        await pipeline.RunBackfillToCompletionAsync(backfill);
        foreach (var (name, service) in pipeline.Services)
            Assert.False(service.HasExited, $"{name} exited after the broker restart:\n{service.Output}");
        await pipeline.StopServicesAsync();

        var comparison = StoreComparison.Compare(reference, pipeline.DbPath);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"broker restart: seed {seed}, restarts injected {injected} ({string.Join("; ", moments)}), {comparison}");
        Assert.True(injected >= 1, $"no restart landed during the backfill (seed {seed})");
        Assert.True(comparison.IsExact, comparison + "\n" + comparison.FirstDifference);
    }
}
