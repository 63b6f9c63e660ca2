using Harmattan.Cli.Commands;
using Harmattan.Cli.Pipeline;
using Harmattan.Contracts;
using Harmattan.Stations;
using Harmattan.Storage;
using Harmattan.Storage.Archive;
using Harmattan.Tests.Storage;
using Harmattan.Transformer;
using Microsoft.Data.Sqlite;

namespace Harmattan.Tests.Cli;

/// <summary>What a replay of a range sends, recomputed with a raised algorithm version: the days of the range, no other.</summary>
public sealed class ReplayRangeTests() : TemporaryStoreTest("replay-range")
{
    private const string Station = "283164601";
    private static readonly DateOnly September1 = new(2026, 9, 1);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_stations_removed_from_the_configuration_whose_archive_covers_the_range_are_named_as_not_replayed()
    {
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        // Removed from Stations: one fetched in the range (its days cut in New York's zone), one only before it.
        var removedInRange = DayWindows.ForDays(September1.AddDays(-3), September1, newYork);
        await Store.ArchiveRawFetchesAsync(
        [
            Builders.RawFetch(Station, Builders.Midnight(September1), days: 7),
            Builders.RawFetch("900000002", removedInRange.Start, days: 4, timeZone: newYork.Id),
            Builders.RawFetch("900000003", Builders.Midnight(September1.AddDays(-7)), days: 7),
        ], Ct);
        var configured = new StationDays(Station, TimeZoneInfo.Utc, September1, September1.AddDays(6));

        var leftOut = await ReplayCommand.NotConfiguredAsync(Store, [configured], September1, September1.AddDays(6), Ct);

        Assert.Equal(["900000002"], leftOut);
    }

    [Fact]
    public void The_days_a_replay_covers_are_those_each_fetch_was_cut_in_not_the_station_zone_it_has_now()
    {
        // A week cut in UTC, then the station moved to Tokyo (UTC+9): in Tokyo's days that window would reach a
        // day further, and the "not replayed" line would leave out a day that no fetch covers.
        var tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        var station = new StationDays(Station, tokyo, September1, September1.AddDays(7));
        var week = Builders.RawFetch(Station, Builders.Midnight(September1), days: 7);

        var covered = new HashSet<DateOnly>();
        ReplayCommand.AddDaysArchived(covered, station, week);

        Assert.Equal(Enumerable.Range(0, 7).Select(September1.AddDays), covered.Order());
    }

    private static RawReadingsFetched Fetch(DateOnly first, int days, double co, DateTimeOffset fetchedAt)
    {
        var start = Builders.Midnight(first);
        return Builders.RawFetch(Station, start, days,
            [.. Enumerable.Range(0, days * 24).Select(h => Builders.Reading(start.AddHours(h), (QuantityNames.Co, co)))],
            fetchedAt);
    }

    private async Task ComputeAndStoreAsync(IEnumerable<RawReadingsFetched> fetches, int algorithmVersion)
    {
        var options = new QualityOptions { AlgorithmVersion = algorithmVersion };
        foreach (var fetch in fetches)
            await Store.UpsertAveragesAsync([AveragesCalculator.Compute(fetch, options)], Ct);
    }

    [Fact]
    public async Task A_day_after_the_range_keeps_the_newer_fetch_that_the_range_does_not_reach()
    {
        // A backfill's week, then AirQino's revised data for its last day and the next one, fetched later.
        var week = Fetch(September1, 7, co: 0.5, fetchedAt: Builders.Midnight(September1.AddDays(7)).AddHours(1));
        var revised = Fetch(September1.AddDays(6), 2, co: 1.0, fetchedAt: Builders.Midnight(September1.AddDays(8)).AddHours(1));
        await Store.ArchiveRawFetchesAsync([week, revised], Ct);
        await ComputeAndStoreAsync([week, revised], algorithmVersion: 1);

        var sent = await ReplayCommand.ArchivedFetchesAsync(Store,
            [new StationDays(Station, TimeZoneInfo.Utc, September1, September1.AddDays(5))], FetchTimeOrder.Now(TimeProvider.System), Ct).ToListAsync(Ct);
        await ComputeAndStoreAsync(sent, algorithmVersion: 2);

        var days = await Store.GetDailyAveragesAsync(Station, September1, September1.AddDays(7), Ct);
        Assert.Equal(8, days.Count);
        Assert.All(days.Take(6), day => Assert.Equal((2, week.FetchId), (day.AlgorithmVersion, day.SourceFetchId)));
        Assert.All(days.Skip(6), day => Assert.Equal((1, revised.FetchId, (double?)1.0), (day.AlgorithmVersion, day.SourceFetchId, day.Quantities["co"].Mean)));
        var hours = await Store.GetHourlyAveragesAsync(Station, Builders.Midnight(September1.AddDays(6)),
            Builders.Midnight(September1.AddDays(7)), Ct);
        Assert.All(hours, hour => Assert.Equal((1, revised.FetchId), (hour.AlgorithmVersion, hour.SourceFetchId)));
        Assert.All(sent.SelectMany(f => f.Readings), r => Assert.True(r.Hour < Builders.Midnight(September1.AddDays(6)), $"{r.Hour:O} sent"));
    }

    [Fact]
    public async Task After_a_change_of_zone_a_day_after_the_range_keeps_its_hours_from_the_newer_fetch()
    {
        // A week cut in UTC, then the station moved to Tokyo (UTC+9) and September 3rd to 5th fetched again there. The UTC
        // fetch's September 3rd reaches 15:00Z-24:00Z, the first hours of Tokyo's September 4th, outside the range.
        var tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        var week = Fetch(September1, 7, co: 0.5, fetchedAt: Builders.Midnight(September1.AddDays(7)).AddHours(1));
        var refetched = DayWindows.ForDays(September1.AddDays(2), September1.AddDays(4), tokyo);
        var inTokyo = Builders.RawFetch(Station, refetched.Start, days: 3,
            [.. Enumerable.Range(0, 72).Select(h => Builders.Reading(refetched.Start.AddHours(h), (QuantityNames.Co, 1.0)))],
            week.FetchedAt.AddDays(1), timeZone: tokyo.Id);
        await Store.ArchiveRawFetchesAsync([week, inTokyo], Ct);
        await ComputeAndStoreAsync([week, inTokyo], algorithmVersion: 1);

        var september3 = September1.AddDays(2);
        var sent = await ReplayCommand.ArchivedFetchesAsync(Store,
            [new StationDays(Station, tokyo, september3, september3)], FetchTimeOrder.Now(TimeProvider.System), Ct).ToListAsync(Ct);
        await ComputeAndStoreAsync(sent, algorithmVersion: 2);

        Assert.Equal([inTokyo.FetchId], sent.Select(f => f.FetchId));
        var day = Assert.Single(await Store.GetDailyAveragesAsync(Station, september3, september3, Ct));
        Assert.Equal((2, inTokyo.FetchId, "Asia/Tokyo"), (day.AlgorithmVersion, day.SourceFetchId, day.TimeZone));
        var september4 = DayWindows.ForDays(september3.AddDays(1), september3.AddDays(1), tokyo);
        var hours = await Store.GetHourlyAveragesAsync(Station, september4.Start, september4.End, Ct);
        Assert.Equal(24, hours.Count);
        Assert.All(hours, hour => Assert.Equal((1, inTokyo.FetchId), (hour.AlgorithmVersion, hour.SourceFetchId)));
    }

    [Fact]
    public async Task After_a_change_of_zone_the_hours_only_an_older_fetch_holds_are_recomputed_by_a_range_that_reaches_them()
    {
        // Two days cut in UTC, then the same dates cut in Tokyo: its second day ends at 15:00Z, and the UTC fetch's last
        // nine hours are in no Tokyo fetch and no stored day. Prune keeps the UTC fetch for them; replay must send it.
        var tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        var utc = Fetch(September1, 2, co: 0.5, fetchedAt: Builders.Midnight(September1.AddDays(2)).AddHours(1));
        var refetched = DayWindows.ForDays(September1, September1.AddDays(1), tokyo);
        var inTokyo = Builders.RawFetch(Station, refetched.Start, days: 2,
            [.. Enumerable.Range(0, 48).Select(h => Builders.Reading(refetched.Start.AddHours(h), (QuantityNames.Co, 1.0)))],
            utc.FetchedAt.AddDays(1), timeZone: tokyo.Id);
        await Store.ArchiveRawFetchesAsync([utc, inTokyo], Ct);
        await ComputeAndStoreAsync([utc, inTokyo], algorithmVersion: 1);

        var sent = await ReplayCommand.ArchivedFetchesAsync(Store,
            [new StationDays(Station, tokyo, September1.AddDays(-3), September1.AddDays(5))], FetchTimeOrder.Now(TimeProvider.System), Ct).ToListAsync(Ct);
        await ComputeAndStoreAsync(sent, algorithmVersion: 2);

        Assert.Contains(utc.FetchId, sent.Select(f => f.FetchId));
        var edge = await Store.GetHourlyAveragesAsync(Station, refetched.End, Builders.Midnight(September1.AddDays(2)), Ct);
        Assert.Equal(9, edge.Count);
        Assert.All(edge, hour => Assert.Equal((2, utc.FetchId), (hour.AlgorithmVersion, hour.SourceFetchId)));
        var days = await Store.GetDailyAveragesAsync(Station, September1, September1.AddDays(1), Ct);
        Assert.All(days, day => Assert.Equal((2, inTokyo.FetchId), (day.AlgorithmVersion, day.SourceFetchId)));
    }

    [Fact]
    public async Task After_a_change_of_zone_a_day_stored_without_rows_gets_the_rows_of_a_fetch_cut_in_the_old_zone()
    {
        // Fetched in UTC with rows but never loaded; the station moved to Tokyo, where the refetch had no rows.
        var tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        var september3 = September1.AddDays(2);
        var utc = Fetch(september3, 1, co: 0.5, fetchedAt: Builders.Midnight(september3.AddDays(1)).AddHours(1));
        var day = DayWindows.ForDays(september3, september3, tokyo);
        var empty = Builders.RawFetch(Station, day.Start, days: 1, [], utc.FetchedAt.AddDays(1), timeZone: tokyo.Id);
        await Store.ArchiveRawFetchesAsync([utc, empty], Ct);
        await ComputeAndStoreAsync([empty], algorithmVersion: 1);

        var sent = await ReplayCommand.ArchivedFetchesAsync(Store,
            [new StationDays(Station, tokyo, september3, september3)], FetchTimeOrder.Now(TimeProvider.System), Ct).ToListAsync(Ct);

        Assert.Contains(utc.FetchId, sent.Select(f => f.FetchId));
    }

    [Fact]
    public async Task Days_a_later_fetch_sent_no_row_for_are_recomputed_from_the_fetch_they_wereStored_from()
    {
        // The same week fetched again during an outage that answered nothing: the stored days kept the first fetch's rows.
        var week = Fetch(September1, 7, co: 0.5, fetchedAt: Builders.Midnight(September1.AddDays(7)).AddHours(1));
        var outage = Builders.RawFetch(Station, week.WindowStart, 7, [], week.FetchedAt.AddDays(30));
        await Store.ArchiveRawFetchesAsync([week, outage], Ct);
        await ComputeAndStoreAsync([week, outage], algorithmVersion: 1);

        var sent = await ReplayCommand.ArchivedFetchesAsync(Store,
            [new StationDays(Station, TimeZoneInfo.Utc, September1, September1.AddDays(6))], FetchTimeOrder.Now(TimeProvider.System), Ct).ToListAsync(Ct);
        await ComputeAndStoreAsync(sent, algorithmVersion: 2);

        var days = await Store.GetDailyAveragesAsync(Station, September1, September1.AddDays(6), Ct);
        Assert.Equal([outage.FetchId, week.FetchId], sent.Select(f => f.FetchId));
        Assert.All(days, day => Assert.Equal((2, week.FetchId, (double?)0.5),
            (day.AlgorithmVersion, day.SourceFetchId, day.Quantities["co"].Mean)));
    }

    [Fact]
    public async Task Days_stored_without_rows_are_recomputed_from_an_older_fetch_with_rows()
    {
        // The week's days stored from an outage that answered nothing, while the earlier fetch with rows was never loaded
        // (or was refused, as the loader did before a day with rows replaced one without in either order).
        var week = Fetch(September1, 7, co: 0.5, fetchedAt: Builders.Midnight(September1.AddDays(7)).AddHours(1));
        var outage = Builders.RawFetch(Station, week.WindowStart, 7, [], week.FetchedAt.AddDays(30));
        await Store.ArchiveRawFetchesAsync([week, outage], Ct);
        await ComputeAndStoreAsync([outage], algorithmVersion: 1);

        var sent = await ReplayCommand.ArchivedFetchesAsync(Store,
            [new StationDays(Station, TimeZoneInfo.Utc, September1, September1.AddDays(6))], FetchTimeOrder.Now(TimeProvider.System), Ct).ToListAsync(Ct);
        await ComputeAndStoreAsync(sent, algorithmVersion: 1);

        Assert.Equal([outage.FetchId, week.FetchId], sent.Select(f => f.FetchId));
        var days = await Store.GetDailyAveragesAsync(Station, September1, September1.AddDays(6), Ct);
        Assert.All(days, day => Assert.Equal((week.FetchId, (double?)0.5), (day.SourceFetchId, day.Quantities["co"].Mean)));
        Assert.All(days, day => Assert.Equal(outage.FetchedAt, day.SourceCheckedAt));
    }

    [Fact]
    public async Task Of_a_window_fetched_by_a_clock_that_ran_ahead_and_again_once_it_was_set_right_the_second_is_sent()
    {
        var now = new DateTimeOffset(2026, 9, 20, 12, 0, 0, TimeSpan.Zero);
        var stamped = Fetch(September1, 7, co: 9.0, fetchedAt: now.AddDays(2));
        var setRight = Fetch(September1, 7, co: 0.5, fetchedAt: now.AddHours(-1));
        await Store.ArchiveRawFetchesAsync([stamped, setRight], Ct);

        var sent = await ReplayCommand.ArchivedFetchesAsync(Store,
            [new StationDays(Station, TimeZoneInfo.Utc, September1, September1.AddDays(6))], FetchTimeOrder.At(now), Ct).ToListAsync(Ct);

        Assert.Equal([setRight.FetchId], sent.Select(f => f.FetchId));
    }

    [Fact]
    public async Task After_a_prune_a_day_stored_without_rows_that_records_no_zone_is_still_recomputed_from_its_fetch_with_rows()
    {
        var week = Fetch(September1, 7, co: 0.5, fetchedAt: Builders.Midnight(September1.AddDays(7)).AddHours(1));
        var outage = Builders.RawFetch(Station, week.WindowStart, 7, [], week.FetchedAt.AddDays(30));
        await Store.ArchiveRawFetchesAsync([week, outage], Ct);
        await ComputeAndStoreAsync([outage], algorithmVersion: 1);
        // Rows stored before days recorded the zone they were cut in.
        await using (var connection = new SqliteConnection($"{ConnectionString};Pooling=False"))
        {
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE daily_averages SET time_zone = NULL";
            Assert.Equal(7, await command.ExecuteNonQueryAsync(Ct));
        }
        var asked = new[] { new StationDays(Station, TimeZoneInfo.Utc, September1, September1.AddDays(6)) };
        var now = outage.FetchedAt.AddDays(60);

        await ArchivePruner.PruneAsync(Store, now, keepAllDays: 30, dryRun: false, Ct);
        var sent = await ReplayCommand.ArchivedFetchesAsync(Store, asked, FetchTimeOrder.At(now), Ct).ToListAsync(Ct);

        Assert.Equal([outage.FetchId, week.FetchId], sent.Select(f => f.FetchId));
    }
    [Fact]
    public async Task A_range_longer_than_one_read_sends_each_window_s_newest_fetch_once_including_those_across_a_read_s_end()
    {
        // Eleven weeks, read a month at a time: the fifth week crosses the first read's end (October 1st), and every
        // week was fetched twice; only the second fetch of each is sent, once.
        var fetchedAt = Builders.Midnight(September1.AddDays(90));
        var first = Enumerable.Range(0, 11).Select(w => Fetch(September1.AddDays(7 * w), 7, co: 0.5, fetchedAt)).ToList();
        var second = Enumerable.Range(0, 11).Select(w => Fetch(September1.AddDays(7 * w), 7, co: 1.0, fetchedAt.AddHours(1))).ToList();
        await Store.ArchiveRawFetchesAsync([.. first, .. second], Ct);
        Assert.True(77 > ReplayCommand.DaysPerRead * 2);

        var sent = await ReplayCommand.ArchivedFetchesAsync(Store,
            [new StationDays(Station, TimeZoneInfo.Utc, September1, September1.AddDays(76))], FetchTimeOrder.At(fetchedAt.AddDays(1)), Ct).ToListAsync(Ct);

        Assert.Equal(second.Select(f => f.FetchId), sent.Select(f => f.FetchId));
        Assert.Equal(11 * 7 * 24, sent.Sum(f => f.Readings.Count));
    }

    [Fact]
    public async Task A_day_fetched_in_a_zone_a_day_away_from_the_station_s_zone_now_is_still_sent()
    {
        // September 1st cut in Kiritimati (UTC+14) ends at 10:00Z on that day; in UTC-12, where the station is now, the same
        // date starts at 12:00Z. The fetch's window and the range's do not meet, but it holds the asked day.
        var kiritimati = TimeZoneInfo.FindSystemTimeZoneById("Pacific/Kiritimati");
        var day = DayWindows.ForDays(September1, September1, kiritimati);
        var fetch = Builders.RawFetch(Station, day.Start, days: 1, timeZone: kiritimati.Id);
        await Store.ArchiveRawFetchesAsync([fetch], Ct);
        var minus12 = TimeZoneInfo.FindSystemTimeZoneById("Etc/GMT+12");

        var sent = await ReplayCommand.ArchivedFetchesAsync(Store,
            [new StationDays(Station, minus12, September1, September1)], FetchTimeOrder.Now(TimeProvider.System), Ct).ToListAsync(Ct);

        Assert.Equal([fetch.FetchId], sent.Select(f => f.FetchId));
    }
    [Fact]
    public async Task The_fetch_a_day_was_stored_from_is_sent_though_the_loader_rewrote_that_day_before_its_month_was_read()
    {
        // October 2nd lies in the second month read and in a week sent in the first. It is stored from g: the newest
        // fetch of g's window (an outage at the source) has no row for it, and f is older. Once f is sent and stored at
        // v2 before the second month is read, a read of that month's days would find f as their source and never send g.
        var october2 = new DateOnly(2026, 10, 2);
        var fetchedAt = Builders.Midnight(new DateOnly(2026, 11, 1));
        var f = Fetch(new DateOnly(2026, 9, 26), 7, co: 0.25, fetchedAt);
        var g = Fetch(october2, 7, co: 0.5, fetchedAt.AddDays(1));
        var outageWeek = Fetch(october2, 7, co: 1.0, fetchedAt.AddDays(2));
        var outage = outageWeek with { Readings = [.. outageWeek.Readings.Where(r => r.Hour >= Builders.Midnight(october2.AddDays(1)))] };
        await Store.ArchiveRawFetchesAsync([f, g, outage], Ct);
        await ComputeAndStoreAsync([f, g, outage], algorithmVersion: 1);
        Assert.Equal(g.FetchId, Assert.Single(await Store.GetDailyAveragesAsync(Station, october2, october2, Ct)).SourceFetchId);

        var sent = new List<Guid>();
        await foreach (var fetch in ReplayCommand.ArchivedFetchesAsync(Store,
                           [new StationDays(Station, TimeZoneInfo.Utc, September1, october2.AddDays(8))], FetchTimeOrder.At(fetchedAt.AddDays(10)), Ct))
        {
            sent.Add(fetch.FetchId);
            await ComputeAndStoreAsync([fetch], algorithmVersion: 2);
        }

        Assert.Contains(g.FetchId, sent);
        var day = Assert.Single(await Store.GetDailyAveragesAsync(Station, october2, october2, Ct));
        Assert.Equal((2, g.FetchId, (double?)0.5), (day.AlgorithmVersion, day.SourceFetchId, day.Quantities["co"].Mean));
    }

    [Fact]
    public async Task A_fetch_of_a_zone_unknown_here_is_sent_only_when_it_reaches_the_asked_days()
    {
        // The reads reach two days past the range; a fetch that cannot be cut (its zone is unknown) is sent whole, for
        // the transformer to name the zone, only if it reaches the range in the station's zone.
        var inRange = Builders.RawFetch(Station, Builders.Midnight(September1), days: 7, timeZone: "Mars/Olympus_Mons");
        var after = Builders.RawFetch(Station, Builders.Midnight(September1.AddDays(7)), days: 1, timeZone: "Mars/Olympus_Mons");
        await Store.ArchiveRawFetchesAsync([inRange, after], Ct);

        var sent = await ReplayCommand.ArchivedFetchesAsync(Store,
            [new StationDays(Station, TimeZoneInfo.Utc, September1, September1.AddDays(6))], FetchTimeOrder.Now(TimeProvider.System), Ct).ToListAsync(Ct);

        Assert.Equal([inRange.FetchId], sent.Select(f => f.FetchId));
    }
}
