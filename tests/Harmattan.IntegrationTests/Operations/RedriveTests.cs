using Harmattan.Hosting;
using Harmattan.IntegrationTests.Support;

namespace Harmattan.IntegrationTests.Operations;

/// <summary>
/// A bug later fixed: the loader was deployed pointing at a read-only SQLite file, so every write fails and the
/// messages land in its error queues. The loader is restarted writable, the queues are redriven, the store is complete.
/// </summary>
public sealed class RedriveTests : IAsyncLifetime
{
    private static readonly string StoreAveragesError = QueueNames.ErrorQueue(QueueNames.StoreAverages);
    private static readonly string ArchiveError = QueueNames.ErrorQueue(QueueNames.ArchiveRawReadings);
    private ReplayRedrivePipeline _pipeline = null!;

    public async ValueTask InitializeAsync() => _pipeline = await ReplayRedrivePipeline.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_pipeline is not null)
            await _pipeline.DisposeAsync();
    }

    [Fact]
    public async Task Poisoned_messages_are_redriven_after_the_fix_and_the_store_becomes_complete()
    {
        var station = ReplayRedrivePipeline.Station;
        await _pipeline.StartServiceAsync("Extractor");
        await _pipeline.StartServiceAsync("Transformer");
        var broken = await _pipeline.StartServiceAsync("Loader",
            ("ConnectionStrings__Sqlite", $"Data Source={_pipeline.DbPath};Mode=ReadOnly"), ("Bus__RetryLimit", "0"));

        var backfill = await _pipeline.CliAsync("backfill", "--station", station, "--from", "2026-03-01", "--to", "2026-03-03",
            "--chunk-days", "1", "--no-wait", "--db", _pipeline.DbPath);
        Assert.True(backfill.Exit == 0, backfill.Output);
        await ReplayRedrivePipeline.EventuallyAsync(
            async () => await _pipeline.MessagesInAsync(StoreAveragesError) == 3 && await _pipeline.MessagesInAsync(ArchiveError) == 3,
            TimeSpan.FromSeconds(60), () => _pipeline.AllServiceOutput);
        Assert.Empty(await _pipeline.Store.GetDailyAveragesAsync(station, ReplayRedrivePipeline.From, ReplayRedrivePipeline.To,
            TestContext.Current.CancellationToken));
        Assert.Contains("readonly database", broken.Output);

        await _pipeline.StopServiceAsync(broken);
        await _pipeline.StartServiceAsync("Loader");

        // The messages' own envelopes name their station: another station's selection takes none of them.
        var other = await _pipeline.CliAsync("redrive", "--queue", StoreAveragesError, "--station", "900000099", "--discard");
        Assert.True(other.Exit == 0, other.Output);
        Assert.Contains($"Nothing to delete: {StoreAveragesError}", other.Output);
        Assert.Contains("holds no message of station 900000099", other.Output);
        Assert.Equal(3u, await _pipeline.MessagesInAsync(StoreAveragesError));

        var first = await _pipeline.CliAsync("redrive", "--queue", StoreAveragesError, "--station", station, "--max", "1");
        Assert.True(first.Exit == 0, first.Output);
        Assert.Contains($"Moved 1 message(s) from {StoreAveragesError} to {QueueNames.StoreAverages}", first.Output);
        Assert.Contains($"2 message(s) left in {StoreAveragesError}", first.Output);
        Assert.Equal(2u, await _pipeline.MessagesInAsync(StoreAveragesError));

        var rest = await _pipeline.CliAsync("redrive", "--queue", StoreAveragesError);
        var archive = await _pipeline.CliAsync("redrive", "--queue", ArchiveError);
        Assert.True(rest.Exit == 0, rest.Output);
        Assert.True(archive.Exit == 0, archive.Output);
        Assert.Contains($"Moved 2 message(s) from {StoreAveragesError} to {QueueNames.StoreAverages}", rest.Output);
        Assert.Contains($"Moved 3 message(s) from {ArchiveError} to {QueueNames.ArchiveRawReadings}", archive.Output);
        Assert.DoesNotContain(":guest@", first.Output + rest.Output + archive.Output);

        await ReplayRedrivePipeline.EventuallyAsync(async () =>
            {
                var days = await _pipeline.Store.GetDailyAveragesAsync(station, ReplayRedrivePipeline.From, ReplayRedrivePipeline.To);
                var raw = await _pipeline.Store.GetRawFetchesAsync(station, new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero),
                    new DateTimeOffset(2026, 3, 4, 0, 0, 0, TimeSpan.Zero));
                return days.Count == ReplayRedrivePipeline.Days && days.All(d => d.HoursCovered > 0) && raw.Count == 3;
            }, TimeSpan.FromSeconds(60), () => _pipeline.AllServiceOutput);
        Assert.Equal(0u, await _pipeline.MessagesInAsync(StoreAveragesError));
        Assert.Equal(0u, await _pipeline.MessagesInAsync(ArchiveError));
    }

    [Fact]
    public async Task Redriving_a_queue_that_is_not_an_error_queue_is_refused()
    {
        var (exit, output) = await _pipeline.CliAsync("redrive", "--queue", QueueNames.StoreAverages);

        Assert.NotEqual(0, exit);
        Assert.Contains("is not an error queue", output);
        Assert.Contains("ending in _error", output);
    }

    [Fact]
    public async Task Redriving_a_pipeline_error_queue_that_does_not_exist_yet_has_nothing_to_move()
    {
        // Nothing failed in the transformer here, and MassTransit creates an error queue with its first message.
        var (exit, output) = await _pipeline.CliAsync("redrive", "--queue", QueueNames.ErrorQueue(QueueNames.ComputeAverages));

        Assert.Equal(0, exit);
        Assert.Contains($"Nothing to move: {QueueNames.ErrorQueue(QueueNames.ComputeAverages)}", output);
        Assert.DoesNotContain(":guest@", output);
    }

    [Fact]
    public async Task Redriving_a_misspelt_error_queue_names_the_pipeline_error_queues()
    {
        var (exit, output) = await _pipeline.CliAsync("redrive", "--queue", "store-average_error");

        Assert.Equal(2, exit);
        Assert.Contains("--queue: store-average_error does not exist on", output);
        Assert.Contains("not one of the pipeline's error queues: store-averages_error, compute-averages_error, archive-raw-readings_error or fetch-station-window_error", output);
        Assert.DoesNotContain(":guest@", output);
    }
}
