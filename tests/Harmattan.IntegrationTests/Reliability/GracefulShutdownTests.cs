using System.Diagnostics;

namespace Harmattan.IntegrationTests.Reliability;

/// <summary>
/// SIGTERM to a service in the middle of a backfill: it drains what it holds and exits 0 within the shutdown timeout;
/// once restarted, the backfill completes and the store equals the fault-free run (nothing lost, nothing half-written).
/// </summary>
[Collection(FaultSuite.Name)]
[Trait("Category", "Faults")]
public sealed class GracefulShutdownTests(FaultSuiteFixture suite)
{
    private static readonly TimeSpan ShutdownLimit = TimeSpan.FromSeconds(45);

    [Theory]
    [InlineData("Transformer", 606)]
    [InlineData("Loader", 707)]
    [InlineData("Extractor", 808)]
    public async Task SIGTERM_under_load_drains_in_flight_messages_and_loses_nothing(string service, int seed)
    {
        var reference = await suite.ReferenceDbAsync();
        await using var pipeline = await FaultPipeline.StartAsync(suite.Node, faults => faults.Delay = TimeSpan.FromMilliseconds(400));
        var delay = new Random(seed).Next(1_000, 3_000);

        await using var backfill = pipeline.StartBackfill();
        await Task.Delay(delay, TestContext.Current.CancellationToken);
        Assert.False(backfill.HasExited, "the backfill ended before the SIGTERM");
        var stopping = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", pipeline.Services[service].Id.ToString()]))
            await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        var exit = await pipeline.Services[service].WaitForExitAsync(ShutdownLimit);
        stopping.Stop();
        var output = pipeline.Services[service].Output;
        await pipeline.RestartAsync(service);
        await pipeline.RunBackfillToCompletionAsync(backfill);
        await pipeline.StopServicesAsync();

        var comparison = StoreComparison.Compare(reference, pipeline.DbPath);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"SIGTERM {service}: seed {seed}, after {delay} ms, exit {exit} in {stopping.ElapsedMilliseconds} ms, {comparison}");
        Assert.True(exit == 0, $"{service} exited {exit} on SIGTERM:\n{output}");
        Assert.True(comparison.IsExact, comparison + "\n" + comparison.FirstDifference);
    }
}
