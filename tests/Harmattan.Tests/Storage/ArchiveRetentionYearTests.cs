using Harmattan.Stations;
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
        TemporarySqliteDatabase.Delete(_path, _replayPath);
    }

    [Fact]
    public async Task A_year_of_hourly_runs_keeps_the_window_plus_one_fetch_per_station_day_and_a_replay_gives_the_same_exports()
    {
        var time = new FakeTimeProvider(Start);
        var synthetic = new SyntheticAirQino(seed: 1);
        var quality = new QualityOptions();
        using var store = new SqlitePipelineStore($"Data Source={_path}", time: time);
        await store.InitializeAsync(Ct);
        long archived = 0, jsonBytes = 0, droppedBytes = 0, largestFile = 0;

        for (var run = 0; run < 365 * 24; run++)
        {
            var now = time.GetUtcNow();
            var messages = new List<RawReadingsFetched>();
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
                messages.AddRange(RawReadingsMessages.Cut(command, zone, source, now, readings));
            }
            // One loader batch per run, as the loader's batching gives for the schedule's two messages.
            var added = await store.ArchiveRawFetchesAsync(messages, Ct);
            archived += added;
            // An hour without new data at the source gives the same fetch id again: archived once, counted once.
            jsonBytes += added == 0 ? 0 : messages.Sum(m => SqliteColumns.ReadingsJson(m.Readings).LongLength) * added / messages.Count;
            await store.UpsertAveragesAsync(messages.Select(m => AveragesCalculator.Compute(m, quality)).ToList(), Ct);

            time.Advance(TimeSpan.FromHours(1));
            if (time.GetUtcNow().Hour == 3)
            {
                largestFile = Math.Max(largestFile, FileSize(_path));
                // The loader's 03:30 prune.
                droppedBytes += (await ArchivePruner.PruneAsync(store, time.GetUtcNow().AddMinutes(25), KeepAllDays, dryRun: false, Ct)).BytesDropped;
            }
        }
        var end = time.GetUtcNow();
        droppedBytes += (await ArchivePruner.PruneAsync(store, end, KeepAllDays, dryRun: false, Ct)).BytesDropped;

        // Bounded: the fetches of the keep-all window (one per run and station at most), and one older fetch per station-day.
        long kept = 0, keptBytes = 0, keptJsonBytes = 0;
        foreach (var (stationId, zone) in Stations)
        {
            var fetches = await store.GetArchivedFetchesAsync(stationId, Ct);
            var young = fetches.Count(f => f.FetchedAt >= end.AddDays(-KeepAllDays));
            var olderDays = DayWindows.LocalDate(end.AddDays(-KeepAllDays), zone).DayNumber - DayWindows.LocalDate(Start, zone).DayNumber + 1;
            Assert.InRange(young, 1, KeepAllDays * 24);
            Assert.InRange(fetches.Count - young, 1, olderDays);
            kept += fetches.Count;
            keptBytes += fetches.Sum(f => f.ReadingsBytes);
            keptJsonBytes += (await store.GetRawFetchesAsync(stationId, DateTimeOffset.MinValue, DateTimeOffset.MaxValue, Ct))
                .Sum(f => SqliteColumns.ReadingsJson(f.Readings).LongLength);
        }
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"A year of hourly runs, 2 stations: {archived} fetches archived; readings as JSON {jsonBytes} bytes, Brotli {keptBytes + droppedBytes}. " +
            $"After pruning: {kept} fetches; readings as JSON {keptJsonBytes} bytes, Brotli {keptBytes}. " +
            $"Database file at most {largestFile} bytes before a daily prune, {FileSize(_path)} at the end.");

        // Replay of the whole year from what is left, into a store that never saw the pipeline: the same exports.
        using var replayed = new SqlitePipelineStore($"Data Source={_replayPath}");
        await replayed.InitializeAsync(Ct);
        foreach (var (stationId, zone) in Stations)
        {
            var range = DayWindows.ForDays(DayWindows.LocalDate(Start, zone), DayWindows.LocalDate(end, zone), zone);
            var fetches = ArchiveRetention.NewestPerWindow(await store.GetRawFetchesAsync(stationId, range.Start, range.End, Ct),
                FetchTimeOrder.At(end));
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
            await DailyAveragesCsv.WriteAsync(writer, days, DateTimeOffset.UtcNow, Ct);
        return text.ToString();
    }

    private static long FileSize(string path) =>
        new[] { path, path + "-wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length);
}
