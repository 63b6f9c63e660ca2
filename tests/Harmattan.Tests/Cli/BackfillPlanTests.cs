using Harmattan.Cli.Pipeline;
using Harmattan.Contracts;
using Harmattan.Storage;
using Harmattan.Storage.Sqlite;
using Harmattan.Testing;
using static Harmattan.Tests.Cli.CliStoreSeed;

namespace Harmattan.Tests.Cli;

public sealed class BackfillPlanTests : IDisposable
{
    private const string Station = "283164601";
    private static readonly DateOnly First = new(2024, 3, 1);
    private static readonly DateTimeOffset Earlier = new(2024, 4, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"harmattan-backfill-{Guid.NewGuid():N}.db");
    private readonly SqlitePipelineStore _store;

    public BackfillPlanTests() => _store = new SqlitePipelineStore($"Data Source={_path}");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly FetchTimeOrder Order = FetchTimeOrder.Now(TimeProvider.System);

    private static StationDays Days(int count) => new(Station, TimeZoneInfo.Utc, First, First.AddDays(count - 1));

    [Fact]
    public void Missing_days_are_cut_into_runs_of_consecutive_days()
    {
        var done = new HashSet<DateOnly> { First, First.AddDays(3), First.AddDays(4), First.AddDays(9) };

        var runs = BackfillPlan.MissingRuns(Days(10), done).Select(r => (r.From, r.To)).ToList();

        Assert.Equal([(First.AddDays(1), First.AddDays(2)), (First.AddDays(5), First.AddDays(8))], runs);
        Assert.Equal([(First, First.AddDays(9))], BackfillPlan.MissingRuns(Days(10), new HashSet<DateOnly>()).Select(r => (r.From, r.To)));
        Assert.Empty(BackfillPlan.MissingRuns(Days(1), new HashSet<DateOnly> { First }));
    }

    [Fact]
    public async Task A_day_stamped_by_a_clock_that_ran_ahead_is_fetched_again()
    {
        // Today's first six hours, fetched (and stamped) while the clock read two days later: not a fetch made after the day
        // ended, whatever its stamp says, and the stores let the fetch made now replace it.
        await _store.InitializeAsync(Ct);
        var now = DateTimeOffset.UtcNow;
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        await _store.UpsertAveragesAsync([Day(Station, today, hoursCovered: 6, now.AddDays(2))], Ct);

        var plan = await BackfillPlan.CreateAsync(_store, [new StationDays(Station, TimeZoneInfo.Utc, today, today)], refetch: false,
            FetchTimeOrder.At(now), Ct);

        Assert.Equal(0, plan.AlreadyStored);
        Assert.Single(plan.ToFetch);
    }

    [Fact]
    public async Task Days_stored_after_they_ended_are_not_fetched_again_unless_refetch_is_asked()
    {
        await _store.InitializeAsync(Ct);
        var endOfDay3 = new DateTimeOffset(2024, 3, 4, 0, 0, 0, TimeSpan.Zero);
        await _store.UpsertAveragesAsync(
        [
            Day(Station, First, hoursCovered: 24, Earlier),
            Day(Station, First.AddDays(1), hoursCovered: 10, Earlier),
            Day(Station, First.AddDays(2), hoursCovered: 0, Earlier),
            // Fetched while the day was still in progress: its last hours may have arrived since.
            Day(Station, First.AddDays(3), hoursCovered: 20, endOfDay3.AddHours(23)),
            Day(Station, First.AddDays(5), hoursCovered: 24, Earlier),
        ], Ct);

        var plan = await BackfillPlan.CreateAsync(_store, [Days(7)], refetch: false, Order, Ct);
        var refetch = await BackfillPlan.CreateAsync(_store, [Days(7)], refetch: true, Order, Ct);

        Assert.Equal((7, 4), (plan.Total, plan.AlreadyStored));
        Assert.Equal([(First.AddDays(3), First.AddDays(4)), (First.AddDays(6), First.AddDays(6))], plan.ToFetch.Select(r => (r.From, r.To)));
        Assert.Equal((7, 0), (refetch.Total, refetch.AlreadyStored));
        Assert.Equal([(First, First.AddDays(6))], refetch.ToFetch.Select(r => (r.From, r.To)));
    }

    [Fact]
    public void A_day_is_final_once_fetched_after_its_local_midnight()
    {
        var tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        var day = Day(Station, First, 24, Earlier);
        var stored = new StoredDailyAverage
        {
            StationId = Station, Date = First, HoursCovered = 24, HoursInDay = 24, Completeness = 1, IsComplete = true,
            Quantities = day.Daily[0].Quantities, AlgorithmVersion = 1, SourceFetchId = Guid.NewGuid(),
            // 2024-03-02 00:00 in Tokyo is 2024-03-01 15:00 UTC.
            SourceFetchedAt = new DateTimeOffset(2024, 3, 1, 15, 0, 0, TimeSpan.Zero),
        };

        Assert.True(BackfillPlan.IsFinal(stored, tokyo, Order));
        Assert.False(BackfillPlan.IsFinal(stored with { SourceFetchedAt = stored.SourceFetchedAt.AddTicks(-1) }, tokyo, Order));
        Assert.False(BackfillPlan.IsFinal(stored, TimeZoneInfo.Utc, Order));
    }

    [Fact]
    public void A_day_of_a_half_hour_offset_is_final_only_once_its_last_hour_has_ended()
    {
        var kolkata = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
        var day = Day(Station, First, 24, Earlier);
        var stored = new StoredDailyAverage
        {
            StationId = Station, Date = First, HoursCovered = 23, HoursInDay = 24, Completeness = 23 / 24.0, IsComplete = false,
            Quantities = day.Daily[0].Quantities, AlgorithmVersion = 1, SourceFetchId = Guid.NewGuid(),
            // 2024-03-02 00:00 in Kolkata is 2024-03-01 18:30 UTC; the day's last hour, 18:00Z to 19:00Z, ends half an hour later.
            SourceFetchedAt = new DateTimeOffset(2024, 3, 1, 18, 40, 0, TimeSpan.Zero),
        };

        var ended = stored with { SourceFetchedAt = new DateTimeOffset(2024, 3, 1, 19, 0, 0, TimeSpan.Zero) };

        Assert.False(BackfillPlan.IsFinal(stored, kolkata, Order));
        Assert.True(BackfillPlan.IsFinal(ended, kolkata, Order));
        // Shown as still running (the dashboard, status, export), not as incomplete, until then.
        Assert.True(stored.IsRunning("Asia/Kolkata"));
        Assert.False(ended.IsRunning("Asia/Kolkata"));
    }

    [Fact]
    public async Task Days_cut_in_another_zone_than_the_one_the_services_now_fetch_in_are_fetched_again()
    {
        await _store.InitializeAsync(Ct);
        var tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        var inTokyo = new StationDays(Station, tokyo, First, First.AddDays(2));
        // Backfilled while the station was configured in UTC, long after the days had ended anywhere.
        await _store.UpsertAveragesAsync([.. Enumerable.Range(0, 3).Select(i => Day(Station, First.AddDays(i), 24, Earlier))], Ct);
        await _store.ArchiveRawFetchesAsync([Builders.RawFetch(Station, Builders.Midnight(First), days: 3, fetchedAt: Earlier)], Ct);

        var beforeTheServicesMoved = await BackfillPlan.CreateAsync(_store, [inTokyo], refetch: false, Order, Ct);

        Assert.Equal((3, 0), (beforeTheServicesMoved.AlreadyStored, beforeTheServicesMoved.CutInOtherZone));

        // The zone corrected to Asia/Tokyo: the hourly schedule now fetches the station's days in it.
        var today = Builders.Midnight(First.AddDays(40)).AddHours(-9);
        await _store.ArchiveRawFetchesAsync([Builders.RawFetch(Station, today, days: 2, fetchedAt: today.AddHours(1), timeZone: tokyo.Id)], Ct);

        var plan = await BackfillPlan.CreateAsync(_store, [inTokyo], refetch: false, Order, Ct);

        Assert.Equal((0, 3), (plan.AlreadyStored, plan.CutInOtherZone));
        Assert.Equal([(First, First.AddDays(2))], plan.ToFetch.Select(r => (r.From, r.To)));

        // Fetched again: AirQino still serves the first day, not the other two (an answer without rows keeps them as they were).
        var refetchedAt = today.AddHours(2);
        await _store.UpsertAveragesAsync([Day(Station, First, 24, refetchedAt) with { TimeZone = tokyo.Id },
            NoRows(First.AddDays(1), refetchedAt) with { TimeZone = tokyo.Id }, NoRows(First.AddDays(2), refetchedAt) with { TimeZone = tokyo.Id }], Ct);

        Assert.Equal(new Dictionary<string, int> { ["UTC"] = 2 }, await plan.StillCutInOtherZonesAsync(_store, Ct));
        var counts = await plan.CountStoredAsync(_store, refetchedAt, Ct);
        Assert.Equal((3, 2), (counts.Stored, counts.Kept));
        Assert.Equal(1, counts.StoredByThisRun(plan.AlreadyStored));
    }

    [Fact]
    public async Task Progress_counts_the_days_complete_before_and_the_days_stored_since_the_start()
    {
        await _store.InitializeAsync(Ct);
        var inProgress = new DateTimeOffset(2024, 3, 2, 12, 0, 0, TimeSpan.Zero);
        await _store.UpsertAveragesAsync([Day(Station, First, 24, Earlier), Day(Station, First.AddDays(1), 5, inProgress)], Ct);
        var plan = await BackfillPlan.CreateAsync(_store, [Days(4)], refetch: false, Order, Ct);
        var startedAt = Earlier.AddDays(10);

        Assert.Equal(new StoredDayCounts(1, 1, 0, 0), await plan.CountStoredAsync(_store, startedAt, Ct));

        await _store.UpsertAveragesAsync([Day(Station, First.AddDays(1), 6, startedAt), NoRows(First.AddDays(2), startedAt)], Ct);

        Assert.Equal(new StoredDayCounts(3, 1, 1, 1), await plan.CountStoredAsync(_store, startedAt, Ct));
    }

    [Fact]
    public async Task An_incomplete_day_fetched_before_it_ended_counts_as_still_running()
    {
        await _store.InitializeAsync(Ct);
        var startedAt = Earlier.AddDays(10);
        // The first day fetched long after it ended with 5 hours (incomplete for good), the second at its 9th hour.
        await _store.UpsertAveragesAsync(
            [Day(Station, First, 5, startedAt), Day(Station, First.AddDays(1), 8, Builders.Midnight(First.AddDays(1)).AddHours(8))], Ct);

        var counts = await StationDays.CountStoredAsync(_store, [Days(2)], day => true, startedAt, Ct);

        Assert.Equal(new StoredDayCounts(2, 0, 2, 0, Running: 1), counts);
        Assert.Equal(" (1 still running)", counts.RunningNote);
        Assert.Equal("", new StoredDayCounts(1, 0, 1, 0).RunningNote);
    }

    [Fact]
    public async Task A_day_fetched_in_its_first_hour_with_no_row_yet_is_running_not_missing_at_the_source()
    {
        await _store.InitializeAsync(Ct);
        var plan = await BackfillPlan.CreateAsync(_store, [Days(2)], refetch: false, Order, Ct);
        var startedAt = Builders.Midnight(First.AddDays(1)).AddMinutes(5);
        // The first day ended with no row at the source; the second was fetched 10 minutes into it, before any hour ended.
        await _store.UpsertAveragesAsync([NoRows(First, startedAt.AddMinutes(5)), NoRows(First.AddDays(1), startedAt.AddMinutes(5))], Ct);

        var counts = await plan.CountStoredAsync(_store, startedAt, Ct);

        Assert.Equal(new StoredDayCounts(2, 0, 1, MissingAtSource: 1, Running: 1), counts);
        Assert.Equal([(First, First)], (await plan.MissingAtSourceAsync(_store, startedAt, Ct)).Select(run => (run.From, run.To)));
    }

    [Fact]
    public async Task A_day_whose_every_value_was_rejected_is_not_counted_as_missing_at_the_source()
    {
        await _store.InitializeAsync(Ct);
        var plan = await BackfillPlan.CreateAsync(_store, [Days(2)], refetch: false, Order, Ct);
        var startedAt = Earlier.AddDays(10);
        // 24 rows came, every CO value a string or a sentinel: no hour is covered, but the source was not silent.
        var rejected = new Dictionary<string, QuantityStats> { ["co"] = new() { Count = 0, Rejected = 24 } };
        var allRejected = NoRows(First, startedAt);
        allRejected = allRejected with { Daily = [allRejected.Daily[0] with { Quantities = rejected }] };
        await _store.UpsertAveragesAsync([allRejected, NoRows(First.AddDays(1), startedAt)], Ct);

        var counts = await plan.CountStoredAsync(_store, startedAt, Ct);

        Assert.Equal(new StoredDayCounts(2, 0, 0, MissingAtSource: 1, AllRejected: 1), counts);
        Assert.Contains("1 with rows whose every value was rejected", counts.AllRejectedNote);
        Assert.Equal("", new StoredDayCounts(1, 0, 0, 1).AllRejectedNote);
    }

    [Fact]
    public async Task A_day_kept_because_the_fetch_since_the_start_sent_no_row_for_it_counts_as_done_for_backfill_and_run()
    {
        // Stored with rows, then fetched again (backfill --refetch, or run) while AirQino answers nothing for the day.
        await _store.InitializeAsync(Ct);
        await _store.UpsertAveragesAsync([Day(Station, First, 24, Earlier), Day(Station, First.AddDays(1), 24, Earlier)], Ct);
        var plan = await BackfillPlan.CreateAsync(_store, [Days(2)], refetch: true, Order, Ct);
        var tracker = new StoredDaysTracker(_store, [Days(2)], Earlier.AddDays(10));
        var startedAt = Earlier.AddDays(10);

        await _store.UpsertAveragesAsync([NoRows(First, startedAt.AddMinutes(1))], Ct);

        var counts = await plan.CountStoredAsync(_store, startedAt, Ct);
        Assert.Equal(new StoredDayCounts(1, 1, 0, 0, Kept: 1), counts);
        Assert.Equal(new StoredDayCounts(1, 1, 0, 0, Kept: 1), await tracker.CountAsync(Ct));
        Assert.Equal((1, 1), await plan.HeldFromBeforeAsync(_store, startedAt, Ct));
        Assert.StartsWith(" 1 day kept the averages of an earlier fetch: AirQino sent no row for it this time", counts.KeptNote);
        Assert.Equal("", new StoredDayCounts(1, 1, 0, 0).KeptNote);
    }

    /// <summary>A day the source sent no row for, as the transformer stores it: no hour, no quantity.</summary>
    private static AveragesComputed NoRows(DateOnly date, DateTimeOffset fetchedAt) =>
        Builders.Averages(Station, date, hoursCovered: 0, new Dictionary<string, QuantityStats>(), fetchedAt);

    [Fact]
    public void The_rate_counts_only_days_fetched_by_this_run_and_gives_the_time_left()
    {
        var rate = new BackfillRate(Fetched: 30, Remaining: 60, Elapsed: TimeSpan.FromSeconds(10));

        Assert.Equal(3.0, rate.DaysPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(20), rate.TimeLeft);
        Assert.Equal("3.0 days/s, ETA 0:00:20", rate.ToString());
        Assert.Equal("-- days/s, ETA --:--:--", new BackfillRate(0, 60, TimeSpan.FromSeconds(3)).ToString());
        Assert.Null(new BackfillRate(5, 60, TimeSpan.FromMilliseconds(20)).DaysPerSecond);
        Assert.Equal("2.0 days/s, ETA 1:23:20", new BackfillRate(2, 10_000, TimeSpan.FromSeconds(1)).ToString());
        Assert.Equal(" (3.0 days/s)", rate.SummaryNote);
        // A backfill whose days were all stored within a second has no rate to report, rather than "0.0 days/s".
        Assert.Equal("", new BackfillRate(60, 0, TimeSpan.FromMilliseconds(400)).SummaryNote);
    }

    public void Dispose()
    {
        _store.Dispose();
        TemporarySqliteDatabase.Delete(_path);
    }
}
