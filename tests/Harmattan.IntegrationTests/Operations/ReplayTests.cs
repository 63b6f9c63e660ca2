using System.Diagnostics;
using Harmattan.IntegrationTests.Support;

namespace Harmattan.IntegrationTests.Operations;

/// <summary>
/// <c>harmattan replay</c> over real RabbitMQ with the services as processes: with the same algorithm the exported
/// averages stay byte-identical; with a newer version (and a changed rule) they are replaced.
/// </summary>
public sealed class ReplayTests : IAsyncLifetime
{
    private ReplayRedrivePipeline _pipeline = null!;

    public async ValueTask InitializeAsync() => _pipeline = await ReplayRedrivePipeline.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_pipeline is not null)
            await _pipeline.DisposeAsync();
    }

    private Task<(int Exit, string Output)> ReplayAsync() =>
        _pipeline.CliAsync("replay", "--station", ReplayRedrivePipeline.Station, "--from", "2026-03-01", "--to", "2026-03-03",
            "--db", _pipeline.DbPath, "--idle-timeout", "00:01:00");

    [Fact]
    public async Task Replaying_with_the_same_version_changes_nothing_and_a_newer_version_replaces_the_averages()
    {
        var ct = TestContext.Current.CancellationToken;
        var station = ReplayRedrivePipeline.Station;
        await _pipeline.StartServiceAsync("Extractor");
        var transformer = await _pipeline.StartServiceAsync("Transformer");
        await _pipeline.StartServiceAsync("Loader");
        var backfill = await _pipeline.CliAsync("backfill", "--station", station, "--from", "2026-03-01", "--to", "2026-03-03",
            "--chunk-days", "1", "--db", _pipeline.DbPath, "--idle-timeout", "00:01:00");
        Assert.True(backfill.Exit == 0, backfill.Output + _pipeline.AllServiceOutput);
        var windowStart = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        await ReplayRedrivePipeline.EventuallyAsync(
            async () => (await _pipeline.Store.GetRawFetchesAsync(station, windowStart, windowStart.AddDays(3))).Count == 3,
            TimeSpan.FromSeconds(30), () => _pipeline.AllServiceOutput);
        var original = await _pipeline.ExportAsync("original.csv");
        var before = await _pipeline.Store.GetDailyAveragesAsync(station, ReplayRedrivePipeline.From, ReplayRedrivePipeline.To, ct);

        var clock = Stopwatch.StartNew();
        var same = await ReplayAsync();
        clock.Stop();

        Assert.True(same.Exit == 0, same.Output + _pipeline.AllServiceOutput);
        Assert.Contains("Replayed 3 archived fetches", same.Output);
        Assert.DoesNotContain("Not replayed", same.Output);
        Assert.Contains("Recomputed 3 of 3 fetches (algorithm v1)", same.Output);
        Assert.Contains("Days stored by algorithm version: v1: 3.", same.Output);
        Assert.Equal(original, await _pipeline.ExportAsync("same-version.csv"));
        Assert.Contains("Replaying archived fetch", transformer.Output);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"a same-version replay of 3 fetches took {clock.Elapsed}");

        await _pipeline.StopServiceAsync(transformer);
        var newerTransformer = await _pipeline.StartServiceAsync("Transformer",
            ("Quality__AlgorithmVersion", "2"), ("Quality__Ranges__pm2_5__Min", "0"), ("Quality__Ranges__pm2_5__Max", "10"));
        var newer = await ReplayAsync();

        Assert.True(newer.Exit == 0, newer.Output + _pipeline.AllServiceOutput);
        Assert.Contains("Recomputed 3 of 3 fetches (algorithm v2)", newer.Output);
        Assert.Contains("Days stored by algorithm version: v2: 3.", newer.Output);
        var after = await _pipeline.Store.GetDailyAveragesAsync(station, ReplayRedrivePipeline.From, ReplayRedrivePipeline.To, ct);
        Assert.All(after, day => Assert.Equal(2, day.AlgorithmVersion));
        Assert.Equal(before.Select(d => (d.Date, d.SourceFetchId)), after.Select(d => (d.Date, d.SourceFetchId)));
        Assert.Equal(before.Select(d => d.Quantities["co"]), after.Select(d => d.Quantities["co"]));
        Assert.All(after, day => Assert.True(day.Quantities["pm2_5"].Max is null or <= 10));
        Assert.Contains(before.Zip(after), pair => pair.Second.Quantities["pm2_5"].Count < pair.First.Quantities["pm2_5"].Count);
        Assert.NotEqual(original, await _pipeline.ExportAsync("newer-version.csv"));

        // Back to the older algorithm, a refetch stores nothing new: the backfill says why instead of blaming the services.
        await _pipeline.StopServiceAsync(newerTransformer);
        await _pipeline.StartServiceAsync("Transformer");
        var refetch = await _pipeline.CliAsync("backfill", "--station", station, "--from", "2026-03-01", "--to", "2026-03-03",
            "--refetch", "--db", _pipeline.DbPath, "--idle-timeout", "5s");

        Assert.True(refetch.Exit == 1, refetch.Output + _pipeline.AllServiceOutput);
        Assert.Contains("3 of the days still waiting are stored from an earlier fetch with algorithm v2", refetch.Output);
        Assert.DoesNotContain("Are the extractor, transformer and loader running", refetch.Output);
    }

    [Fact]
    public async Task Without_a_transformer_the_replay_gives_up_and_says_what_was_neither_archived_nor_recomputed()
    {
        var station = ReplayRedrivePipeline.Station;
        await _pipeline.StartServiceAsync("Extractor");
        var transformer = await _pipeline.StartServiceAsync("Transformer");
        await _pipeline.StartServiceAsync("Loader");
        var backfill = await _pipeline.CliAsync("backfill", "--station", station, "--from", "2026-03-01", "--to", "2026-03-01",
            "--db", _pipeline.DbPath, "--idle-timeout", "00:01:00");
        Assert.True(backfill.Exit == 0, backfill.Output + _pipeline.AllServiceOutput);
        var windowStart = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        await ReplayRedrivePipeline.EventuallyAsync(
            async () => (await _pipeline.Store.GetRawFetchesAsync(station, windowStart, windowStart.AddDays(1))).Count == 1,
            TimeSpan.FromSeconds(30), () => _pipeline.AllServiceOutput);
        await _pipeline.StopServiceAsync(transformer);

        var (exit, output) = await _pipeline.CliAsync("replay", "--station", station, "--from", "2026-03-01", "--to", "2026-03-02",
            "--db", _pipeline.DbPath, "--idle-timeout", "3s");

        Assert.True(exit == 1, output);
        Assert.Contains($"Not replayed, as no fetch of theirs is archived: 2026-03-02..2026-03-02 of station {station}.", output);
        Assert.Contains("Recomputed 0 of 1 fetches; the store holds the figures of 0.", output);
        Assert.Contains("Are the transformer and loader running", output);
    }
}
