using System.Text;
using Harmattan.AirQinoSimulator;
using Harmattan.Cli.Export;
using Harmattan.Contracts;
using Harmattan.Extractor;
using Harmattan.Storage;
using Harmattan.Storage.Archive;
using Harmattan.Storage.Sqlite;
using Harmattan.Transformer;
using Microsoft.Extensions.Time.Testing;

namespace Harmattan.Tests.Storage;

/// <summary>
/// A simulated year of the hourly schedule for two stations on a SQLite file, in simulated time: each hour the
/// simulator's series up to that hour, parsed, cut and averaged by the extractor's and transformer's own code, archived
/// and upserted as the loader does; the loader's daily prune at 03:30. Bus and HTTP are left out to keep it fast.
/// </summary>
public sealed class ArchiveRetentionYearTests : IDisposable
{
    private static readonly (string Id, TimeZoneInfo Zone)[] Stations =
    [
        ("283164601", TimeZoneInfo.FindSystemTimeZoneById("Africa/Abidjan")),
        ("283181971", TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris")),   // 23- and 25-hour days
    ];
    private static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 5, 0, TimeSpan.Zero);
    private const int KeepAllDays = 30;

    private readonly string _path = Path.Combine(Path.GetTempPath(), $"harmattan-archive-year-{Guid.NewGuid():N}.db");
    private readonly string _replayPath = Path.Combine(Path.GetTempPath(), $"harmattan-archive-replay-{Guid.NewGuid():N}.db");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        foreach (var path in new[] { _path, _replayPath })
            foreach (var file in new[] { path, path + "-wal", path + "-shm" })
                File.Delete(file);
    }

    [Fact]
    public async Task A_year_of_hourly_runs_keeps_the_window_plus_one_fetch_per_station_day_and_a_replay_gives_the_same_exports()
    {
        var time = new FakeTimeProvider(Start);
        var synthetic = new SyntheticAirQino(seed: 1);
        var quality = new QualityOptions();
        using var store = new SqlitePipelineStore($"Data Source={_path}");
        await store.InitializeAsync(Ct);
        long archived = 0, jsonBytes = 0, largestFile = 0;

        for (var run = 0; run < 365 * 24; run++)
        {
            var now = time.GetUtcNow();
            foreach (var (stationId, zone) in Stations)
            {
                var window = DayWindows.LastDays(now, 2, zone);
                var source = $"https://airqino.example/v3/getStationHourlyAvg/{stationId}";
                var body = synthetic.GenerateDataArray(stationId, now, days: 3);
                var readings = AirQinoParser.Parse(body, stationId, source, window.Start, window.End).Readings;
                var command = new FetchStationWindow
                {
                    StationId = stationId, WindowStart = window.Start, WindowEnd = window.End, TimeZone = zone.Id, RequestedBy = "schedule",
                };
                var messages = RawReadingsMessages.Cut(command, zone, source, now, readings);
                archived += await store.ArchiveRawFetchesAsync(messages, Ct);
                jsonBytes += messages.Sum(m => SqliteColumns.ReadingsJson(m.Readings).LongLength);
                await store.UpsertAveragesAsync(messages.Select(m => AveragesCalculator.Compute(m, quality)).ToList(), Ct);
            }
            time.Advance(TimeSpan.FromHours(1));
            if (time.GetUtcNow().Hour == 3)
            {
                largestFile = Math.Max(largestFile, FileSize(_path));
                // The loader's 03:30 prune.
                await ArchivePruner.PruneAsync(store, time.GetUtcNow().AddMinutes(25), KeepAllDays, dryRun: false, Ct);
            }
        }
        var end = time.GetUtcNow();
        await ArchivePruner.PruneAsync(store, end, KeepAllDays, dryRun: false, Ct);

        // Bounded: every fetch of the keep-all window, and at most one older fetch per station-day.
        long kept = 0, keptBytes = 0;
        foreach (var (stationId, zone) in Stations)
        {
            var fetches = await store.GetArchivedFetchesAsync(stationId, Ct);
            var young = fetches.Count(f => f.FetchedAt >= end.AddDays(-KeepAllDays));
            var olderDays = DayWindows.LocalDate(end.AddDays(-KeepAllDays), zone).DayNumber - DayWindows.LocalDate(Start, zone).DayNumber + 1;
            Assert.InRange(fetches.Count, young, young + olderDays);
            Assert.InRange(young, KeepAllDays * 24 - 1, KeepAllDays * 24 + 1);
            kept += fetches.Count;
            keptBytes += fetches.Sum(f => f.ReadingsBytes);
        }
        TestContext.Current.SendDiagnosticMessage(
            $"A year of hourly runs, 2 stations: {archived} fetches archived, {jsonBytes} bytes of readings JSON; after pruning " +
            $"{kept} fetches, {keptBytes} bytes of Brotli readings; database file at most {largestFile} bytes, now {FileSize(_path)}.");

        // Replay of the whole year from what is left, into a store that never saw the pipeline: the same exports.
        using var replayed = new SqlitePipelineStore($"Data Source={_replayPath}");
        await replayed.InitializeAsync(Ct);
        foreach (var (stationId, zone) in Stations)
        {
            var range = DayWindows.ForDays(DayWindows.LocalDate(Start, zone), DayWindows.LocalDate(end, zone), zone);
            var fetches = ArchiveRetention.NewestPerWindow(await store.GetRawFetchesAsync(stationId, range.Start, range.End, Ct));
            await replayed.UpsertAveragesAsync(fetches.Select(f => AveragesCalculator.Compute(f, quality)).ToList(), Ct);
            var expected = await ExportAsync(store, stationId);
            Assert.Equal(expected, await ExportAsync(replayed, stationId));
            Assert.True(expected.Split('\n').Length > 365, "the export covers the year");
        }
    }

    private static async Task<string> ExportAsync(IPipelineStore store, string stationId)
    {
        var days = await store.GetDailyAveragesAsync(stationId, DateOnly.MinValue, DateOnly.MaxValue, Ct);
        var text = new StringBuilder();
        await using (var writer = new StringWriter(text))
            await DailyAveragesCsv.WriteAsync(writer, days, Ct);
        return text.ToString();
    }

    private static long FileSize(string path) =>
        new[] { path, path + "-wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length);
}
