using Harmattan.Cli;
using Harmattan.Cli.Commands;
using Harmattan.Cli.Pipeline;
using Harmattan.Contracts;
using Harmattan.Stations;
using Harmattan.Storage;
using Harmattan.Storage.Sqlite;
using Harmattan.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;
using static Harmattan.Tests.Cli.CliStoreSeed;

namespace Harmattan.Tests.Cli;

public sealed class StatusTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 3, 31, 14, 20, 0, TimeSpan.Zero);
    private static readonly DateOnly Today = new(2026, 3, 31);
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"harmattan-status-{Guid.NewGuid():N}.db");
    private readonly SqlitePipelineStore _store;

    public StatusTests() => _store = new SqlitePipelineStore($"Data Source={_path}");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_station_status_gives_its_last_hour_last_fetch_age_and_last_thirty_days()
    {
        await _store.InitializeAsync(Ct);
        const string station = "283164601";
        var lastFetch = new DateTimeOffset(2026, 3, 31, 11, 5, 0, TimeSpan.Zero);
        // 20 complete days, 3 incomplete (today among them), 2 with a row but no hour (missing), 5 with no row (missing),
        // and one complete day before the 30-day window that must not count.
        var days = new List<AveragesComputed> { Day(station, Today.AddDays(-30), 24, lastFetch) };
        for (var i = 0; i < 20; i++)
            days.Add(Day(station, Today.AddDays(-29 + i), 24, lastFetch));
        days.Add(Day(station, Today.AddDays(-9), 12, lastFetch));
        days.Add(Day(station, Today.AddDays(-8), 17, lastFetch));
        days.Add(Day(station, Today.AddDays(-7), 0, lastFetch));
        days.Add(Day(station, Today.AddDays(-6), 0, lastFetch));
        days.Add(Day(station, Today, 11, lastFetch, complete: false));
        await _store.UpsertAveragesAsync(days, Ct);
        await _store.ArchiveRawFetchesAsync([new RawReadingsFetched
        {
            FetchId = Guid.NewGuid(), StationId = station, WindowStart = new DateTimeOffset(Today.AddDays(-1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
            WindowEnd = new DateTimeOffset(Today.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), TimeZone = "UTC", Source = "test", FetchedAt = lastFetch, Readings = [],
        }], Ct);

        var status = await StationStatus.ReadAsync(_store, new StationDays(station, TimeZoneInfo.Utc, Today.AddDays(-1), Today), Now, Ct);

        Assert.Equal(new StationActivity(new DateTimeOffset(2026, 3, 31, 10, 0, 0, TimeSpan.Zero), lastFetch, "UTC"), status.Activity);
        // The last hour stored is 10:00-11:00, which ended 3 h 20 min before now.
        Assert.Equal(TimeSpan.FromMinutes(200), status.DataAge);
        Assert.Equal((Today.AddDays(-29), Today), (status.Days.From, status.Days.To));
        Assert.Equal((20, 3, 7), (status.Complete, status.Incomplete, status.Missing));
        // Today, fetched at 11:05, had not ended: the one incomplete day still running.
        Assert.Equal(1, status.Running);
        Assert.True(status.IsOlderThan(TimeSpan.FromHours(3)));
        Assert.False(status.IsOlderThan(TimeSpan.FromHours(4)));
    }

    [Fact]
    public async Task Today_fetched_before_its_first_hour_ended_is_running_not_missing()
    {
        await _store.InitializeAsync(Ct);
        const string station = "283164601";
        var justAfterMidnight = new DateTimeOffset(2026, 3, 31, 0, 10, 0, TimeSpan.Zero);
        await _store.UpsertAveragesAsync(
            [Day(station, Today.AddDays(-1), 24, justAfterMidnight), Day(station, Today, 0, justAfterMidnight, complete: false)], Ct);

        var status = await StationStatus.ReadAsync(_store, new StationDays(station, TimeZoneInfo.Utc, Today.AddDays(-1), Today),
            justAfterMidnight.AddMinutes(5), Ct);

        Assert.Equal((1, 1, 1, 28), (status.Complete, status.Incomplete, status.Running, status.Missing));
    }

    [Fact]
    public async Task Today_whose_every_value_so_far_was_rejected_is_running_not_missing()
    {
        await _store.InitializeAsync(Ct);
        const string station = "283164601";
        var fetchedAt = new DateTimeOffset(2026, 3, 31, 5, 10, 0, TimeSpan.Zero);
        var today = Day(station, Today, 0, fetchedAt, complete: false);
        var rejected = new Dictionary<string, QuantityStats> { ["co"] = new() { Mean = null, Min = null, Max = null, Count = 0, Rejected = 5 } };
        today = today with { Daily = [today.Daily[0] with { Quantities = rejected }] };
        await _store.UpsertAveragesAsync([Day(station, Today.AddDays(-1), 24, fetchedAt), today], Ct);

        var status = await StationStatus.ReadAsync(_store, new StationDays(station, TimeZoneInfo.Utc, Today.AddDays(-1), Today),
            fetchedAt.AddMinutes(5), Ct);

        Assert.Equal((1, 1, 1, 28), (status.Complete, status.Incomplete, status.Running, status.Missing));
    }

    [Fact]
    public async Task A_station_with_nothing_stored_is_older_than_any_max_age()
    {
        await _store.InitializeAsync(Ct);

        var status = await StationStatus.ReadAsync(_store, new StationDays("nothing", TimeZoneInfo.Utc, Today, Today), Now, Ct);

        Assert.Null(status.DataAge);
        Assert.Equal((0, 0, 30), (status.Complete, status.Incomplete, status.Missing));
        Assert.True(status.IsOlderThan(TimeSpan.FromDays(365)));
    }

    [Fact]
    public async Task A_station_not_configured_is_counted_in_the_zone_of_its_latest_fetch_not_in_utc()
    {
        await _store.InitializeAsync(Ct);
        const string station = "283000001";
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        // 02:20 UTC on 1 April is 22:20 on 31 March in New York: its today is still running, its 1 April not begun.
        var now = new DateTimeOffset(2026, 4, 1, 2, 20, 0, TimeSpan.Zero);
        var fetchedAt = now.AddMinutes(-15);
        var days = Enumerable.Range(0, 29).Select(i => Day(station, Today.AddDays(-29 + i), 24, fetchedAt)).ToList();
        days.Add(Day(station, Today, 22, fetchedAt, complete: false));
        // Cut in New York, as the archived fetch says.
        await _store.UpsertAveragesAsync([.. days.Select(d => d with { TimeZone = newYork.Id })], Ct);
        await ArchiveFetchAsync(station, Today, newYork, fetchedAt);

        var status = await StationStatus.ReadAsync(_store, Assert.Single(await AskedAsync(station, null, null, now)), now, Ct);

        Assert.Equal((newYork.Id, Today.AddDays(-29), Today), (status.Days.TimeZone.Id, status.Days.From, status.Days.To));
        Assert.Equal((29, 1, 1, 0), (status.Complete, status.Incomplete, status.Running, status.Missing));

        var tomorrow = await Assert.ThrowsAsync<CliException>(() => AskedAsync(station, Today, Today.AddDays(1), now));
        Assert.Equal($"--to 2026-04-01 is in the future for station {station} (time zone America/New_York): the last allowed date is 2026-03-31.",
            tomorrow.Message);
    }

    [Fact]
    public async Task A_station_not_configured_east_of_utc_may_be_asked_its_own_today()
    {
        await _store.InitializeAsync(Ct);
        const string station = "283000002";
        var auckland = TimeZoneInfo.FindSystemTimeZoneById("Pacific/Auckland");
        // 14:20 UTC on 31 March is 03:20 on 1 April in Auckland.
        await ArchiveFetchAsync(station, Today.AddDays(1), auckland, Now.AddMinutes(-15));

        var asked = Assert.Single(await AskedAsync(station, Today, Today.AddDays(1), Now));

        Assert.Equal((auckland.Id, Today, Today.AddDays(1)), (asked.TimeZone.Id, asked.From, asked.To));
    }

    /// <summary>The days <c>status</c> and <c>replay --station</c> cover for a station that is not configured (none is, here).</summary>
    private async Task<IReadOnlyList<StationDays>> AskedAsync(string station, DateOnly? from, DateOnly? to, DateTimeOffset now)
    {
        var configuration = new ConfigurationBuilder().Build();
        return await StationSelection.ResolveAsync(configuration, _store, [station], from, to, new FakeTimeProvider(now), Ct);
    }

    private Task ArchiveFetchAsync(string station, DateOnly today, TimeZoneInfo zone, DateTimeOffset fetchedAt)
    {
        var window = DayWindows.ForDays(today.AddDays(-1), today, zone);
        return _store.ArchiveRawFetchesAsync([new RawReadingsFetched
        {
            FetchId = Guid.NewGuid(), StationId = station, WindowStart = window.Start, WindowEnd = window.End,
            TimeZone = zone.Id, Source = "test", FetchedAt = fetchedAt, Readings = [],
        }], Ct);
    }

    [Theory]
    [InlineData(200, "3h 20m")]
    [InlineData(59, "0h 59m")]
    [InlineData(3 * 24 * 60 + 65, "3d 1h 05m")]
    public void Ages_read_in_days_hours_and_minutes(int minutes, string text) =>
        Assert.Equal(text, StatusCommand.Age(TimeSpan.FromMinutes(minutes)));

    [Fact]
    public async Task A_day_left_unfinished_is_incomplete_and_named_even_without_an_hour_and_yesterday_still_runs()
    {
        await _store.InitializeAsync(Ct);
        const string station = "283164601";
        var fiveDaysAgo = Today.AddDays(-5);
        var yesterday = Today.AddDays(-1);
        // Fetched in its first hour, before any hour had ended, and never again; yesterday fetched in its evening.
        await _store.UpsertAveragesAsync([Day(station, fiveDaysAgo, 0, Builders.Midnight(fiveDaysAgo).AddMinutes(10), complete: false),
            Day(station, yesterday, 20, Builders.Midnight(yesterday).AddHours(20).AddMinutes(5), complete: false)], Ct);

        var status = await StationStatus.ReadAsync(_store, new StationDays(station, TimeZoneInfo.Utc, Today.AddDays(-6), Today), Now,
            wholeRange: true, Ct);

        // Not "stored without a value at the source": nothing says the source had none.
        Assert.Equal((0, 2, 5, 0), (status.Complete, status.Incomplete, status.Missing, status.WithoutValue));
        // Yesterday is fetched again by the schedule's two-day lookback until today ends.
        Assert.Equal(1, status.Running);
        Assert.Equal([fiveDaysAgo], status.NotFetchedSinceEnded);
    }

    [Fact]
    public async Task Days_in_a_row_cut_in_zones_of_different_offsets_are_seams_with_the_hours_they_share_or_leave_out()
    {
        await _store.InitializeAsync(Ct);
        const string station = "283164601";
        var first = Today.AddDays(-6);
        AveragesComputed In(string zone, DateOnly day) => Day(station, day, 24, Now.AddDays(-1)) with { TimeZone = zone };
        // UTC, then Tokyo (9 h ahead) from the second day, back to UTC, then Kolkata (5 h 30 ahead), then UTC again; then,
        // after a day missing, Tokyo: no seam, as the two days do not meet.
        await _store.UpsertAveragesAsync([In("UTC", first), In("Asia/Tokyo", first.AddDays(1)), In("UTC", first.AddDays(2)),
            In("Asia/Kolkata", first.AddDays(3)), In("UTC", first.AddDays(4)), In("Asia/Tokyo", first.AddDays(6))], Ct);

        var status = await StationStatus.ReadAsync(_store, new StationDays(station, TimeZoneInfo.Utc, first, Today), Now,
            wholeRange: true, Ct);

        // Tokyo's day began at 15:00Z of the UTC day before it; Kolkata's at 18:30Z, so from the hour of 19:00Z. Going back,
        // the hours from the end of the earlier zone's day to the next UTC midnight are in neither.
        Assert.Equal([(first, 9, 0), (first.AddDays(1), 0, 9), (first.AddDays(2), 5, 0), (first.AddDays(3), 0, 5)],
            status.ZoneSeams!.Select(seam => (seam.Earlier.Date, seam.HoursInBoth, seam.HoursInNeither)));
    }

    public void Dispose()
    {
        _store.Dispose();
        TemporarySqliteDatabase.Delete(_path);
    }
}
