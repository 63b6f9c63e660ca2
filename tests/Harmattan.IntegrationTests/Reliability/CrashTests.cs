using Harmattan.IntegrationTests.Support;

namespace Harmattan.IntegrationTests.Reliability;

/// <summary>
/// SIGKILL one service at seeded random moments during a backfill, restart it each time, and compare the final store
/// with the fault-free run row by row.
/// </summary>
[Collection(FaultSuite.Name)]
[Trait("Category", "Faults")]
public sealed class CrashTests(FaultSuiteFixture suite)
{
    private const int Kills = 3;

    [Theory]
    [InlineData("Extractor", 101)]
    [InlineData("Transformer", 202)]
    [InlineData("Loader", 303)]
    public async Task Killing_a_service_during_a_backfill_loses_and_duplicates_nothing(string service, int seed)
    {
        var reference = await suite.ReferenceDbAsync();
        // Slow answers spread the flow over several seconds, so a kill lands while messages are in flight.
        await using var pipeline = await FaultPipeline.StartAsync(suite.Node, faults => faults.Delay = TimeSpan.FromMilliseconds(400));
        var random = new Random(seed);
        var moments = new List<int>();

        await using var backfill = pipeline.StartBackfill();
        var injected = 0;
        for (var i = 0; i < Kills && !backfill.HasExited; i++)
        {
            var delay = random.Next(500, 3_000);
            moments.Add(delay);
            await Task.Delay(delay, TestContext.Current.CancellationToken);
            if (backfill.HasExited)
                break;
            await pipeline.KillAsync(service);
            injected++;
            await pipeline.RestartAsync(service);
        }
        await pipeline.RunBackfillToCompletionAsync(backfill);
        await pipeline.StopServicesAsync();

        var comparison = StoreComparison.Compare(reference, pipeline.DbPath);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"crash {service}: seed {seed}, SIGKILLs injected {injected} (after {string.Join(", ", moments)} ms), {comparison}");
        Assert.True(injected >= 1, $"no kill landed during the backfill (seed {seed})");
        Assert.True(comparison.IsExact, comparison + "\n" + comparison.FirstDifference);
    }
}
