namespace Harmattan.IntegrationTests.Reliability;

/// <summary>
/// The simulator answers 20% of requests 5xx, 20% 429 with Retry-After, truncates 10% of bodies and sometimes answers
/// slower than the client's timeout: the extractor retries (visibly in its log), nothing crashes, the store is exact.
/// </summary>
[Collection(FaultSuite.Name)]
[Trait("Category", "Faults")]
public sealed class FaultyApiTests(FaultSuiteFixture suite)
{
    [Fact]
    public async Task A_faulty_API_delays_the_backfill_but_the_final_store_is_exact()
    {
        var reference = await suite.ReferenceDbAsync();
        await using var pipeline = await FaultPipeline.StartAsync(suite.Node, faults =>
        {
            faults.FailRate = 0.2;
            faults.ThrottleRate = 0.2;
            faults.TruncateRate = 0.1;
        }, new Dictionary<string, string>
        {
            ["AirQino__Timeout"] = "00:00:02",
            // Four requests in ten fail here, and the bus does not retry what the HTTP client already retried: with twelve
            // retries a command that exhausts them (0.4^13) is practically impossible in a backfill of 63 commands.
            ["AirQino__RetryAttempts"] = "12",
        });

        await using var backfill = pipeline.StartBackfill();
        // A stretch of answers slower than the 2 s client timeout while the backfill runs.
        await Task.Delay(1_500, TestContext.Current.CancellationToken);
        pipeline.Simulator.Faults.Delay = TimeSpan.FromSeconds(3);
        await Task.Delay(4_000, TestContext.Current.CancellationToken);
        pipeline.Simulator.Faults.Delay = TimeSpan.Zero;
        await pipeline.RunBackfillToCompletionAsync(backfill);

        var extractor = pipeline.Services["Extractor"].Output;
        foreach (var (name, service) in pipeline.Services)
            Assert.False(service.HasExited, $"{name} exited:\n{service.Output}");
        await pipeline.StopServicesAsync();
        var comparison = StoreComparison.Compare(reference, pipeline.DbPath);
        var statuses = pipeline.Simulator.Stats.Snapshot().SelectMany(s => s.Value).GroupBy(s => s.Key)
            .OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Sum(s => s.Value)}");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"faulty API: {pipeline.Simulator.Stats.Total} requests ({string.Join(", ", statuses)}), {comparison}");

        Assert.Contains("retry", extractor, StringComparison.OrdinalIgnoreCase);
        Assert.True(comparison.IsExact, comparison + "\n" + comparison.FirstDifference);
    }
}
