using Harmattan.Contracts;
using Harmattan.Storage;
using Harmattan.Stations;
using Harmattan.Storage.Archive;
using Harmattan.Transformer;
using Microsoft.Extensions.Time.Testing;

namespace Harmattan.Tests.Storage;

/// <summary>
/// The semantics every <see cref="IPipelineStore"/> adapter must have. Each adapter's test class derives
/// from this one and only says how to create (and dispose) a fresh, empty, initialised store.
/// </summary>
public abstract class PipelineStoreContract : IAsyncLifetime
{
    protected abstract Task<IPipelineStore> CreateStoreAsync();   // a fresh, empty, initialised store
    protected virtual Task DisposeStoreAsync() => Task.CompletedTask;

    /// <summary>
    /// A second store instance on the same data (another process's view, e.g. a second service on the same file or
    /// database). Adapters that can open one override this; by default the concurrency test shares one instance.
    /// </summary>
    protected virtual Task<IPipelineStore> OpenAnotherStoreOnTheSameDataAsync() => Task.FromResult(Store);

    /// <summary>Another store instance on the same data, whose clock is <paramref name="clock"/>.</summary>
    protected abstract IPipelineStore OpenOnTheSameData(TimeProvider clock);

    protected const string Station1 = "283164601";
    protected const string Station2 = "283181971";
    protected static readonly DateOnly Day = new(2023, 6, 1);
    protected static readonly DateTimeOffset DayStart = new(2023, 6, 1, 0, 0, 0, TimeSpan.Zero);
    protected static readonly DateTimeOffset FetchedAt = new(2023, 6, 2, 0, 5, 0, TimeSpan.Zero);

    protected IPipelineStore Store { get; private set; } = null!;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => Store = await CreateStoreAsync();

    public async ValueTask DisposeAsync()
    {
        await DisposeStoreAsync();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Initialising_twice_is_harmless_and_the_store_answers_a_ping()
    {
        await Store.InitializeAsync(Ct);
        await Store.PingAsync(Ct);
        Assert.Empty(await Store.GetDailyAveragesAsync(Station1, new DateOnly(2023, 1, 1), new DateOnly(2023, 12, 31), Ct));
    }

    [Fact]
    public async Task Upserted_averages_read_back_exactly()
    {
        var averages = Averages(Station1, FetchedAt, version: 1, co: 0.1 + 0.2);

        var result = await Store.UpsertAveragesAsync([averages], Ct);

        Assert.Equal(new UpsertResult(3, 0), result);
        var daily = Assert.Single(await Store.GetDailyAveragesAsync(Station1, Day, Day, Ct));
        AssertStored(averages, averages.Daily[0], daily);
        var hourly = await Store.GetHourlyAveragesAsync(Station1, DayStart, DayStart.AddDays(1), Ct);
        Assert.Equal(2, hourly.Count);
        for (var i = 0; i < hourly.Count; i++)
            AssertStored(averages, averages.Hourly[i], hourly[i]);
    }

    [Fact]
    public async Task A_day_records_the_zone_it_was_cut_in_and_a_later_fetch_in_another_zone_replaces_it()
    {
        var paris = Averages(Station1, FetchedAt, version: 1, co: 1.5) with { TimeZone = "Europe/Paris" };
        var abidjan = Averages(Station1, FetchedAt.AddHours(1), version: 1, co: 2.5) with { TimeZone = "Africa/Abidjan" };

        await Store.UpsertAveragesAsync([paris], Ct);
        var first = Assert.Single(await Store.GetDailyAveragesAsync(Station1, Day, Day, Ct));
        await Store.UpsertAveragesAsync([abidjan], Ct);
        var second = Assert.Single(await Store.GetDailyAveragesAsync(Station1, Day, Day, Ct));

        Assert.Equal("Europe/Paris", first.TimeZone);
        AssertStored(abidjan, abidjan.Daily[0], second);
    }

    [Fact]
    public async Task Re_upserting_the_same_averages_changes_nothing()
    {
        var averages = Averages(Station1, FetchedAt, version: 1, co: 1.5);
        await Store.UpsertAveragesAsync([averages], Ct);

        await Store.UpsertAveragesAsync([averages, averages], Ct);

        var daily = Assert.Single(await Store.GetDailyAveragesAsync(Station1, Day.AddDays(-1), Day.AddDays(1), Ct));
        AssertStored(averages, averages.Daily[0], daily);
        Assert.Equal(2, (await Store.GetHourlyAveragesAsync(Station1, DayStart.AddDays(-1), DayStart.AddDays(2), Ct)).Count);
    }

    [Fact]
    public async Task Replaying_an_older_fetch_never_overwrites_a_newer_one()
    {
        var newer = Averages(Station1, FetchedAt, version: 1, co: 2.0);
        var older = Averages(Station1, FetchedAt.AddTicks(-1), version: 1, co: 1.0);
        await Store.UpsertAveragesAsync([newer], Ct);

        var result = await Store.UpsertAveragesAsync([older], Ct);

        Assert.Equal(new UpsertResult(0, 3), result);
        AssertStored(newer, newer.Daily[0], Assert.Single(await Store.GetDailyAveragesAsync(Station1, Day, Day, Ct)));
        var hourly = await Store.GetHourlyAveragesAsync(Station1, DayStart, DayStart.AddDays(1), Ct);
        Assert.All(hourly, h => Assert.Equal(newer.SourceFetchId, h.SourceFetchId));
    }

    [Fact]
    public async Task A_fetch_with_the_same_fetchedAt_is_applied_again()
    {
        var first = Averages(Station1, FetchedAt, version: 1, co: 1.0);
        var again = Averages(Station1, FetchedAt, version: 1, co: 4.0) with { SourceFetchId = Guid.NewGuid() };
        await Store.UpsertAveragesAsync([first], Ct);

        var result = await Store.UpsertAveragesAsync([again], Ct);

        Assert.Equal(new UpsertResult(3, 0), result);
        AssertStored(again, again.Daily[0], Assert.Single(await Store.GetDailyAveragesAsync(Station1, Day, Day, Ct)));
    }

    /// <summary>
    /// A store, and the fetch times it writes, while the machine's clock runs two days ahead (as if set wrong by hand, or
    /// by a faulty time server); <see cref="Store"/> is the same store once the clock is set right, and <see cref="Now"/>
    /// its time then.
    /// </summary>
    private (IPipelineStore Store, DateTimeOffset Now) WhileTheClockRunsAhead() =>
        (OpenOnTheSameData(new FakeTimeProvider(Now.AddDays(2))), Now.AddDays(2));

    /// <summary>The real time, to the second (as fetch times are compared with the store's real clock).</summary>
    private static DateTimeOffset Now => DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    [Fact]
    public async Task What_a_clock_that_ran_ahead_stamped_gives_way_to_the_fetches_made_once_it_was_set_right()
    {
        var (whileAhead, aheadNow) = WhileTheClockRunsAhead();
        var stamped = Averages(Station1, aheadNow, version: 1, co: 9.0);
        await whileAhead.UpsertAveragesAsync([stamped], Ct);
        await whileAhead.UpsertAveragesAsync([NoRowsFrom(Averages(Station1, aheadNow.AddHours(1), version: 1, co: 0))], Ct);
        var setRight = Averages(Station1, Now, version: 1, co: 2.0);

        var result = await Store.UpsertAveragesAsync([setRight], Ct);
        var redelivered = await Store.UpsertAveragesAsync([stamped], Ct);

        Assert.Equal(new UpsertResult(3, 0), result);
        Assert.Equal(new UpsertResult(0, 3), redelivered);
        var day = Assert.Single(await Store.GetDailyAveragesAsync(Station1, Day, Day, Ct));
        AssertStored(setRight, setRight.Daily[0], day);
        Assert.Equal(setRight.SourceFetchedAt, day.SourceCheckedAt);
        Assert.All(await Store.GetHourlyAveragesAsync(Station1, DayStart, DayStart.AddDays(1), Ct),
            hour => Assert.Equal(setRight.SourceFetchId, hour.SourceFetchId));
    }

    [Fact]
    public async Task A_check_stamped_by_a_clock_that_ran_ahead_gives_way_to_the_checks_made_once_it_was_set_right()
    {
        var (whileAhead, aheadNow) = WhileTheClockRunsAhead();
        var withRows = Averages(Station1, FetchedAt, version: 1, co: 2.5);
        await Store.UpsertAveragesAsync([withRows], Ct);
        await whileAhead.UpsertAveragesAsync([NoRowsFrom(Averages(Station1, aheadNow, version: 1, co: 0))], Ct);
        var outage = NoRowsFrom(Averages(Station1, Now, version: 1, co: 0));

        await Store.UpsertAveragesAsync([outage], Ct);

        var day = Assert.Single(await Store.GetDailyAveragesAsync(Station1, Day, Day, Ct));
        AssertStored(withRows, withRows.Daily[0], day);
        Assert.Equal(outage.SourceFetchedAt, day.SourceCheckedAt);
    }

    [Fact]
    public async Task A_delayed_fetch_replaces_a_day_a_clock_that_ran_ahead_stamped_and_keeps_the_later_check()
    {
        // The day stamped ahead, then checked once the clock was set right; a fetch from before that check arrives late.
        var (whileAhead, aheadNow) = WhileTheClockRunsAhead();
        await whileAhead.UpsertAveragesAsync([Averages(Station1, aheadNow, version: 1, co: 9.0)], Ct);
        var outage = NoRowsFrom(Averages(Station1, Now, version: 1, co: 0));
        await Store.UpsertAveragesAsync([outage], Ct);
        var delayed = Averages(Station1, Now.AddMinutes(-10), version: 1, co: 2.0);

        var result = await Store.UpsertAveragesAsync([delayed], Ct);

        Assert.Equal(new UpsertResult(3, 0), result);
        var day = Assert.Single(await Store.GetDailyAveragesAsync(Station1, Day, Day, Ct));
        AssertStored(delayed, delayed.Daily[0], day);
        Assert.Equal(outage.SourceFetchedAt, day.SourceCheckedAt);
    }

    [Fact]
    public async Task A_newer_algorithm_version_replaces_even_an_older_fetch()
    {
        var stored = Averages(Station1, FetchedAt, version: 1, co: 1.0);
        var recomputed = Averages(Station1, FetchedAt.AddDays(-1), version: 2, co: 3.0);
        await Store.UpsertAveragesAsync([stored], Ct);

        var result = await Store.UpsertAveragesAsync([recomputed], Ct);

        Assert.Equal(new UpsertResult(3, 0), result);
        AssertStored(recomputed, recomputed.Daily[0], Assert.Single(await Store.GetDailyAveragesAsync(Station1, Day, Day, Ct)));
        var hourly = await Store.GetHourlyAveragesAsync(Station1, DayStart, DayStart.AddDays(1), Ct);
        Assert.All(hourly, h => Assert.Equal(2, h.AlgorithmVersion));
    }

    [Fact]
    public async Task An_older_algorithm_version_never_replaces_a_newer_one()
    {
        var stored = Averages(Station1, FetchedAt, version: 2, co: 1.0);
        var legacy = Averages(Station1, FetchedAt.AddDays(1), version: 1, co: 3.0);
        await Store.UpsertAveragesAsync([stored], Ct);

        var result = await Store.UpsertAveragesAsync([legacy], Ct);

        Assert.Equal(new UpsertResult(0, 3), result);
        AssertStored(stored, stored.Daily[0], Assert.Single(await Store.GetDailyAveragesAsync(Station1, Day, Day, Ct)));
    }

    [Fact]
    public async Task A_day_the_source_sent_no_row_for_never_replaces_a_day_with_rows_and_marks_it_checked()
    {
        var stored = Averages(Station1, FetchedAt, version: 1, co: 1.5);
        await Store.UpsertAveragesAsync([stored], Ct);
        var outage = NoRowsFrom(Averages(Station1, FetchedAt.AddDays(1), version: 1, co: 0));
        var recomputed = NoRowsFrom(Averages(Station1, FetchedAt.AddDays(2), version: 2, co: 0));

        var result = await Store.UpsertAveragesAsync([outage], Ct);
        await Store.UpsertAveragesAsync([recomputed], Ct);
        await Store.UpsertAveragesAsync([outage], Ct);

        Assert.Equal(new UpsertResult(0, 1), result);
        var day = Assert.Single(await Store.GetDailyAveragesAsync(Station1, Day, Day, Ct));
        AssertStored(stored, stored.Daily[0], day);
        Assert.Equal(recomputed.SourceFetchedAt, day.SourceCheckedAt);
        Assert.All(await Store.GetHourlyAveragesAsync(Station1, DayStart, DayStart.AddDays(1), Ct),
            hour => Assert.Equal(stored.SourceFetchId, hour.SourceFetchId));
    }

    [Fact]
    public async Task A_day_without_rows_is_replaced_by_a_newer_one_with_or_without_rows()
    {
        var first = NoRowsFrom(Averages(Station1, FetchedAt, version: 1, co: 0));
        var second = NoRowsFrom(Averages(Station1, FetchedAt.AddHours(1), version: 1, co: 0));
        var withRows = Averages(Station1, FetchedAt.AddHours(2), version: 1, co: 2.5);

        await Store.UpsertAveragesAsync([first], Ct);
        await Store.UpsertAveragesAsync([second], Ct);
        var afterSecond = Assert.Single(await Store.GetDailyAveragesAsync(Station1, Day, Day, Ct));
        await Store.UpsertAveragesAsync([withRows], Ct);

        AssertStored(second, second.Daily[0], afterSecond);
        Assert.Equal(second.SourceFetchedAt, afterSecond.SourceCheckedAt);
        var last = Assert.Single(await Store.GetDailyAveragesAsync(Station1, Day, Day, Ct));
        AssertStored(withRows, withRows.Daily[0], last);
        Assert.Equal(withRows.SourceFetchedAt, last.SourceCheckedAt);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_day_with_rows_replaces_a_later_day_without_rows_whatever_the_order_and_keeps_its_check_time(int outageVersion)
    {
        // A slower replica, or a message redriven from the error queue, stores the fetch with rows after the later one
        // that had none (an outage): the day is the same as in the other order, and the later check is kept.
        var withRows = Averages(Station1, FetchedAt, version: 1, co: 2.5);
        var outage = NoRowsFrom(Averages(Station1, FetchedAt.AddHours(1), version: outageVersion, co: 0));

        await Store.UpsertAveragesAsync([outage], Ct);
        var result = await Store.UpsertAveragesAsync([withRows], Ct);
        var stored = Assert.Single(await Store.GetDailyAveragesAsync(Station1, Day, Day, Ct));
        await Store.UpsertAveragesAsync([outage], Ct);

        Assert.Equal(new UpsertResult(3, 0), result);
        var day = Assert.Single(await Store.GetDailyAveragesAsync(Station1, Day, Day, Ct));
        AssertStored(withRows, withRows.Daily[0], day);
        Assert.Equal(outage.SourceFetchedAt, stored.SourceCheckedAt);
        Assert.Equal(outage.SourceFetchedAt, day.SourceCheckedAt);
    }

    [Fact]
    public async Task In_one_batch_a_day_with_rows_wins_over_a_later_day_without_rows()
    {
        var withRows = Averages(Station1, FetchedAt, version: 1, co: 2.5);
        var olderWithRows = Averages(Station1, FetchedAt.AddMinutes(-30), version: 1, co: 9.0);
        var outage = NoRowsFrom(Averages(Station1, FetchedAt.AddHours(1), version: 1, co: 0));

        var result = await Store.UpsertAveragesAsync([outage, olderWithRows, withRows], Ct);

        // Each in turn replaces the day so far, as the days arrive: 3 days and the 4 hours of the two with rows.
        Assert.Equal(new UpsertResult(7, 0), result);
        var day = Assert.Single(await Store.GetDailyAveragesAsync(Station1, Day, Day, Ct));
        AssertStored(withRows, withRows.Daily[0], day);
        Assert.Equal(outage.SourceFetchedAt, day.SourceCheckedAt);
    }

    [Fact]
    public async Task A_day_written_again_keeps_the_later_check_of_a_fetch_without_rows()
    {
        var first = Averages(Station1, FetchedAt, version: 1, co: 1.0);
        var outage = NoRowsFrom(Averages(Station1, FetchedAt.AddHours(2), version: 1, co: 0));
        var delayed = Averages(Station1, FetchedAt.AddHours(1), version: 1, co: 2.0);
        var recomputed = first with { AlgorithmVersion = 2 };

        await Store.UpsertAveragesAsync([first], Ct);
        await Store.UpsertAveragesAsync([outage], Ct);
        var result = await Store.UpsertAveragesAsync([delayed], Ct);
        var afterDelayed = Assert.Single(await Store.GetDailyAveragesAsync(Station1, Day, Day, Ct));
        await Store.UpsertAveragesAsync([recomputed], Ct);

        Assert.Equal(new UpsertResult(3, 0), result);
        AssertStored(delayed, delayed.Daily[0], afterDelayed);
        Assert.Equal(outage.SourceFetchedAt, afterDelayed.SourceCheckedAt);
        var last = Assert.Single(await Store.GetDailyAveragesAsync(Station1, Day, Day, Ct));
        AssertStored(recomputed, recomputed.Daily[0], last);
        Assert.Equal(outage.SourceFetchedAt, last.SourceCheckedAt);
    }

    [Fact]
    public async Task A_day_stored_before_check_times_were_recorded_keeps_its_fetch_as_its_check_when_rows_replace_it()
    {
        var outage = NoRowsFrom(Averages(Station1, FetchedAt.AddHours(1), version: 1, co: 0));
        var withRows = Averages(Station1, FetchedAt, version: 1, co: 2.5);
        await Store.UpsertAveragesAsync([outage], Ct);
        await ForgetCheckTimesAsync();

        await Store.UpsertAveragesAsync([withRows], Ct);

        var day = Assert.Single(await Store.GetDailyAveragesAsync(Station1, Day, Day, Ct));
        AssertStored(withRows, withRows.Daily[0], day);
        Assert.Equal(outage.SourceFetchedAt, day.SourceCheckedAt);
    }

    /// <summary>Removes every stored day's check time, as in a store written before days recorded it.</summary>
    protected abstract Task ForgetCheckTimesAsync();

    [Fact]
    public async Task A_mixed_batch_counts_rows_written_and_rows_ignored()
    {
        await Store.UpsertAveragesAsync([Averages(Station1, FetchedAt, version: 1, co: 1.0)], Ct);
        var olderSameDay = Averages(Station1, FetchedAt.AddHours(-1), version: 1, co: 9.0);
        var nextDay = Averages(Station1, FetchedAt.AddDays(1), version: 1, co: 2.0, day: Day.AddDays(1));
        var otherStation = Averages(Station2, FetchedAt.AddHours(-1), version: 1, co: 3.0);

        var result = await Store.UpsertAveragesAsync([olderSameDay, nextDay, otherStation], Ct);

        Assert.Equal(new UpsertResult(6, 3), result);
        var days = await Store.GetDailyAveragesAsync(Station1, Day, Day.AddDays(1), Ct);
        Assert.Equal([1.0, 2.0], days.Select(d => d.Quantities["co"].Mean!.Value));
    }

    [Fact]
    public async Task Within_one_batch_the_newest_version_wins_whatever_the_order()
    {
        var newest = Averages(Station1, FetchedAt, version: 1, co: 5.0);
        var older = Averages(Station1, FetchedAt.AddMinutes(-30), version: 1, co: 1.0);

        var result = await Store.UpsertAveragesAsync([newest, older], Ct);

        Assert.Equal(new UpsertResult(3, 3), result);
        AssertStored(newest, newest.Daily[0], Assert.Single(await Store.GetDailyAveragesAsync(Station1, Day, Day, Ct)));
    }

    [Fact]
    public async Task Archiving_a_fetch_twice_stores_it_once_and_reads_it_back_identical()
    {
        var fetch = RawFetch(Station1, DayStart, days: 2);

        Assert.Equal(1, await Store.ArchiveRawFetchesAsync([fetch], Ct));
        Assert.Equal(0, await Store.ArchiveRawFetchesAsync([fetch], Ct));
        Assert.Equal(0, await Store.ArchiveRawFetchesAsync([fetch with { FetchedAt = FetchedAt.AddDays(-1) }], Ct));

        var stored = Assert.Single(await Store.GetRawFetchesAsync(Station1, DayStart.AddHours(30), DayStart.AddHours(31), Ct));
        AssertSameFetch(fetch, stored);
    }

    [Fact]
    public async Task The_same_readings_fetched_again_later_are_stored_once_with_the_later_fetch_s_time_zone_and_source()
    {
        // A fetch cut in a wrong zone between two fetches of the same readings: the second is the newest of the day.
        var first = RawFetch(Station1, DayStart, days: 1) with { TimeZone = "UTC" };
        var otherZone = RawFetch(Station1, DayStart.AddHours(-1), days: 1) with { FetchedAt = first.FetchedAt.AddMinutes(1) };
        Assert.Equal(2, await Store.ArchiveRawFetchesAsync([first, otherZone], Ct));

        // The station's zone renamed from UTC to Abidjan's, the same offset, so the same window and readings: the same id.
        var again = first with { FetchedAt = first.FetchedAt.AddMinutes(2), TimeZone = "Africa/Abidjan", Source = first.Source + "&again" };
        Assert.Equal(0, await Store.ArchiveRawFetchesAsync([again], Ct));
        Assert.Equal(0, await Store.ArchiveRawFetchesAsync([first], Ct));
        Assert.Equal("Africa/Abidjan", (await Store.GetStationActivityAsync(Station1, Ct)).LastFetchTimeZone);

        var stored = await Store.GetRawFetchesAsync(Station1, DayStart, DayStart.AddDays(1), Ct);
        AssertSameFetch(again, Assert.Single(stored, f => f.FetchId == first.FetchId));
        var listed = Assert.Single(await Store.GetArchivedFetchesAsync(Station1, Ct), f => f.FetchId == first.FetchId);
        Assert.Equal(again.FetchedAt, listed.FetchedAt);
        Assert.Equal(2, (await Store.GetArchivedFetchesAsync(Station1, Ct)).Count);
    }

    [Fact]
    public async Task The_same_readings_fetched_once_a_clock_that_ran_ahead_was_set_right_take_the_new_fetch_time()
    {
        var (whileAhead, aheadNow) = WhileTheClockRunsAhead();
        var stamped = RawFetch(Station1, DayStart, days: 1) with { FetchedAt = aheadNow };
        await whileAhead.ArchiveRawFetchesAsync([stamped], Ct);
        var again = stamped with { FetchedAt = Now };

        Assert.Equal(0, await Store.ArchiveRawFetchesAsync([again], Ct));
        Assert.Equal(0, await Store.ArchiveRawFetchesAsync([stamped], Ct));

        Assert.Equal(again.FetchedAt, Assert.Single(await Store.GetArchivedFetchesAsync(Station1, Ct)).FetchedAt);
    }

    [Fact]
    public async Task An_hour_a_later_fetch_no_longer_sends_keeps_its_row_told_apart_by_the_fetch_it_came_from()
    {
        // AirQino sent 24 hours of CO 1.0, then, fetched again a day later, only the first 12, at 3.0.
        var earlier = Builders.RawFetch(Station1, DayStart, fetchedAt: FetchedAt,
            readings: [.. Enumerable.Range(0, 24).Select(h => Builders.Reading(DayStart.AddHours(h), ("co", 1.0)))]);
        var later = Builders.RawFetch(Station1, DayStart, fetchedAt: FetchedAt.AddDays(1),
            readings: [.. Enumerable.Range(0, 12).Select(h => Builders.Reading(DayStart.AddHours(h), ("co", 3.0)))]);
        await Store.UpsertAveragesAsync([AveragesCalculator.Compute(earlier, new QualityOptions())], Ct);
        await Store.UpsertAveragesAsync([AveragesCalculator.Compute(later, new QualityOptions())], Ct);

        var day = Assert.Single(await Store.GetDailyAveragesAsync(Station1, Day, Day, Ct));
        var hours = await Store.GetHourlyAveragesAsync(Station1, DayStart, DayStart.AddDays(1), Ct);

        Assert.Equal((12, 3.0, later.FetchId), (day.HoursCovered, day.Quantities["co"].Mean, day.SourceFetchId));
        Assert.Equal(24, hours.Count);
        var ofTheDay = hours.Where(h => h.SourceFetchId == day.SourceFetchId).ToList();
        Assert.Equal((day.HoursCovered, day.Quantities["co"].Mean), (ofTheDay.Count, ofTheDay.Average(h => h.Quantities["co"].Mean)));
        Assert.All(hours.Except(ofTheDay), h => Assert.Equal((earlier.FetchId, 1.0), (h.SourceFetchId, h.Quantities["co"].Mean)));
    }

    [Fact]
    public async Task A_read_of_the_archive_longer_than_one_batch_of_the_server_answers_every_fetch_in_order()
    {
        // MongoDB answers a find in batches, the first of 101 documents: the read goes on to the last.
        var fetches = Enumerable.Range(0, 250).Select(day => RawFetch(Station1, DayStart.AddDays(day), days: 1)).ToList();
        Assert.Equal(fetches.Count, await Store.ArchiveRawFetchesAsync(fetches, Ct));

        var read = await Store.GetRawFetchesAsync(Station1, DayStart, DayStart.AddDays(fetches.Count), Ct);
        var listed = await Store.GetArchivedFetchesAsync(Station1, Ct);

        Assert.Equal(fetches.Select(f => f.FetchId), read.Select(f => f.FetchId));
        Assert.Equal(fetches.Select(f => f.FetchId), listed.Select(f => f.FetchId));
    }

    [Fact]
    public async Task Archived_fetches_are_found_by_overlapping_window_in_order()
    {
        var first = RawFetch(Station1, DayStart, days: 1);
        var second = RawFetch(Station1, DayStart.AddDays(1), days: 1);
        var secondRefetched = second with { FetchId = Guid.NewGuid(), FetchedAt = second.FetchedAt.AddHours(2) };
        var third = RawFetch(Station1, DayStart.AddDays(2), days: 1);
        Assert.Equal(4, await Store.ArchiveRawFetchesAsync([third, secondRefetched, first, second], Ct));

        var all = await Store.GetRawFetchesAsync(Station1, DayStart, DayStart.AddDays(3), Ct);
        var middle = await Store.GetRawFetchesAsync(Station1, DayStart.AddDays(1), DayStart.AddDays(2), Ct);
        var straddling = await Store.GetRawFetchesAsync(Station1, DayStart.AddDays(1).AddHours(-1), DayStart.AddDays(1).AddHours(1), Ct);
        var after = await Store.GetRawFetchesAsync(Station1, DayStart.AddDays(3), DayStart.AddDays(4), Ct);

        Assert.Equal([first.FetchId, second.FetchId, secondRefetched.FetchId, third.FetchId], all.Select(f => f.FetchId));
        Assert.Equal([second.FetchId, secondRefetched.FetchId], middle.Select(f => f.FetchId));
        Assert.Equal([first.FetchId, second.FetchId, secondRefetched.FetchId], straddling.Select(f => f.FetchId));
        Assert.Empty(after);
    }

    [Fact]
    public async Task Daily_reads_include_both_ends_and_hourly_reads_exclude_the_end()
    {
        var batch = Enumerable.Range(0, 5)
            .Select(i => Averages(Station1, FetchedAt.AddDays(i), version: 1, co: i, day: Day.AddDays(i)))
            .Reverse()
            .ToArray();
        await Store.UpsertAveragesAsync(batch, Ct);

        var days = await Store.GetDailyAveragesAsync(Station1, Day.AddDays(1), Day.AddDays(3), Ct);
        var hours = await Store.GetHourlyAveragesAsync(Station1, DayStart.AddDays(1), DayStart.AddDays(3), Ct);
        var hoursFromMidHour = await Store.GetHourlyAveragesAsync(Station1, DayStart.AddDays(1).AddMinutes(1), DayStart.AddDays(2).AddHours(1), Ct);

        Assert.Equal([Day.AddDays(1), Day.AddDays(2), Day.AddDays(3)], days.Select(d => d.Date));
        Assert.Equal(
            [DayStart.AddDays(1), DayStart.AddDays(1).AddHours(1), DayStart.AddDays(2), DayStart.AddDays(2).AddHours(1)],
            hours.Select(h => h.Hour));
        Assert.Equal([DayStart.AddDays(1).AddHours(1), DayStart.AddDays(2)], hoursFromMidHour.Select(h => h.Hour));
    }

    [Fact]
    public async Task One_station_never_sees_another_stations_rows()
    {
        var station1 = Averages(Station1, FetchedAt, version: 1, co: 1.0);
        var station2 = Averages(Station2, FetchedAt.AddHours(-5), version: 1, co: 2.0);
        await Store.UpsertAveragesAsync([station1, station2], Ct);
        await Store.ArchiveRawFetchesAsync([RawFetch(Station1, DayStart, days: 1)], Ct);

        var daily2 = Assert.Single(await Store.GetDailyAveragesAsync(Station2, Day, Day, Ct));
        var hourly2 = await Store.GetHourlyAveragesAsync(Station2, DayStart, DayStart.AddDays(1), Ct);

        Assert.Equal(Station2, daily2.StationId);
        Assert.Equal(2.0, daily2.Quantities["co"].Mean);
        Assert.All(hourly2, h => Assert.Equal(station2.SourceFetchId, h.SourceFetchId));
        Assert.Equal(1.0, Assert.Single(await Store.GetDailyAveragesAsync(Station1, Day, Day, Ct)).Quantities["co"].Mean);
        Assert.Empty(await Store.GetRawFetchesAsync(Station2, DayStart, DayStart.AddDays(1), Ct));
        Assert.Empty(await Store.GetDailyAveragesAsync("28316460", Day, Day, Ct));
    }

    [Fact]
    public async Task Concurrent_writers_end_with_the_newest_version()
    {
        var other = await OpenAnotherStoreOnTheSameDataAsync();
        var versions = Enumerable.Range(0, 40)
            .Select(i => Averages(Station1, FetchedAt.AddMinutes(i), version: 1 + i / 20, co: i))
            .OrderBy(a => a.SourceFetchId)   // random ids: an arbitrary order
            .ToArray();

        var results = await Task.WhenAll(
            Task.Run(() => WriteOneByOne(Store, versions.Where((_, i) => i % 2 == 0)), Ct),
            Task.Run(() => WriteOneByOne(other, versions.Where((_, i) => i % 2 == 1)), Ct));

        var total = results[0] + results[1];
        Assert.Equal(40 * 3, total.Written + total.IgnoredAsOlder);
        var daily = Assert.Single(await Store.GetDailyAveragesAsync(Station1, Day, Day, Ct));
        Assert.Equal((2, 39.0), (daily.AlgorithmVersion, daily.Quantities["co"].Mean!.Value));
        var hourly = await other.GetHourlyAveragesAsync(Station1, DayStart, DayStart.AddDays(1), Ct);
        Assert.All(hourly, h => Assert.Equal(FetchedAt.AddMinutes(39), h.SourceFetchedAt));

        static async Task<UpsertResult> WriteOneByOne(IPipelineStore store, IEnumerable<AveragesComputed> batches)
        {
            var sum = default(UpsertResult);
            foreach (var averages in batches)
                sum += await store.UpsertAveragesAsync([averages], Ct);
            return sum;
        }
    }

    [Fact]
    public async Task Station_activity_is_the_latest_stored_hour_and_the_latest_fetch_of_that_station_only()
    {
        Assert.Equal(new StationActivity(null, null), await Store.GetStationActivityAsync(Station1, Ct));

        await Store.UpsertAveragesAsync([Averages(Station1, FetchedAt, version: 1, co: 1.0, day: Day.AddDays(3))], Ct);
        await Store.UpsertAveragesAsync([Averages(Station1, FetchedAt.AddDays(9), version: 1, co: 1.0)], Ct);
        await Store.UpsertAveragesAsync([Averages(Station2, FetchedAt, version: 1, co: 1.0, day: Day.AddDays(20))], Ct);
        var newest = RawFetch(Station1, DayStart, days: 1) with { FetchedAt = FetchedAt.AddTicks(7), TimeZone = "Europe/Paris" };
        await Store.ArchiveRawFetchesAsync(
            [RawFetch(Station1, DayStart.AddDays(5), days: 2) with { FetchedAt = FetchedAt.AddTicks(-1), TimeZone = "Africa/Abidjan" }, newest,
             RawFetch(Station2, DayStart, days: 1) with { FetchedAt = FetchedAt.AddDays(30) }], Ct);

        var activity = await Store.GetStationActivityAsync(Station1, Ct);

        // The latest hour is that of the latest day, whichever fetch wrote it; the latest fetch is by FetchedAt, not window.
        Assert.Equal(DayStart.AddDays(3).AddHours(1), activity.LastReadingHour);
        Assert.Equal(newest.FetchedAt, activity.LastFetchedAt);
        Assert.Equal("Europe/Paris", activity.LastFetchTimeZone);
        // The fetches reach as far as the fetch whose window ends last: here made before its window began.
        Assert.Equal(FetchedAt.AddTicks(-1), await Store.GetFetchedUntilAsync(Station1, FetchedAt.AddYears(10), Ct));
        Assert.Equal(new StationActivity(null, null), await Store.GetStationActivityAsync("another", Ct));
        Assert.Null(await Store.GetFetchedUntilAsync("another", FetchedAt.AddYears(10), Ct));

        // A window fetched after it ended reaches its end; a backfill of older days, however recent, moves nothing.
        await Store.ArchiveRawFetchesAsync([RawFetch(Station1, DayStart.AddDays(10), days: 1) with { FetchedAt = FetchedAt.AddDays(30) }], Ct);
        Assert.Equal(DayStart.AddDays(11), await Store.GetFetchedUntilAsync(Station1, FetchedAt.AddYears(10), Ct));
        await Store.ArchiveRawFetchesAsync([RawFetch(Station1, DayStart.AddDays(-100), days: 7) with { FetchedAt = FetchedAt.AddDays(60) }], Ct);
        Assert.Equal(DayStart.AddDays(11), await Store.GetFetchedUntilAsync(Station1, FetchedAt.AddYears(10), Ct));
        // Only the fetches made before the instant asked count: a scheduled run's own fetch, archived fast, hides no gap.
        Assert.Equal(FetchedAt.AddTicks(-1), await Store.GetFetchedUntilAsync(Station1, fetchedBefore: FetchedAt.AddDays(30), Ct));
        Assert.Null(await Store.GetFetchedUntilAsync(Station1, fetchedBefore: FetchedAt.AddTicks(-1), Ct));
    }

    [Fact]
    public async Task The_stored_stations_are_those_with_daily_averages_each_listed_once_in_order()
    {
        Assert.Empty(await Store.GetStationIdsAsync(Ct));

        await Store.UpsertAveragesAsync(
            [Averages(Station2, FetchedAt, version: 1, co: 1.0), Averages(Station1, FetchedAt, version: 1, co: 1.0),
             Averages(Station2, FetchedAt, version: 1, co: 2.0, day: Day.AddDays(1))], Ct);
        await Store.ArchiveRawFetchesAsync([RawFetch("900000001", DayStart, days: 1)], Ct);

        // A fetch archived but not yet averaged has nothing to show.
        Assert.Equal([Station1, Station2], await Store.GetStationIdsAsync(Ct));
    }

    /// <summary>Now, for the archive tests: 40 days after <see cref="DayStart"/>, so its first days are past the 30-day window.</summary>
    protected static readonly DateTimeOffset ArchiveNow = DayStart.AddDays(40);

    /// <summary>
    /// The hourly schedule's shape: on each of days 1..4 two fetches of (yesterday, today), at 06:00 and 18:00; one fetch
    /// inside the keep-all window; one older fetch of another station, alone on its day. Returns the fetches replay needs.
    /// </summary>
    private async Task<(List<RawReadingsFetched> All, HashSet<Guid> Needed)> ArchiveScheduleShapeAsync()
    {
        var all = new List<RawReadingsFetched>();
        var needed = new HashSet<Guid>();
        for (var day = 1; day <= 4; day++)
            foreach (var hour in new[] { 6, 18 })
            {
                var fetch = RawFetch(Station1, DayStart.AddDays(day - 1), days: 2) with { FetchedAt = DayStart.AddDays(day).AddHours(hour) };
                all.Add(fetch);
                // 18:00 of day d is the newest fetch of day d-1 (and of day 4 for d = 4); 06:00 is superseded on both its days.
                if (hour == 18)
                    needed.Add(fetch.FetchId);
            }
        var young = RawFetch(Station1, ArchiveNow.AddDays(-2), days: 2) with { FetchedAt = ArchiveNow.AddDays(-1) };
        var alone = RawFetch(Station2, DayStart, days: 1);
        all.AddRange([young, alone]);
        needed.UnionWith([young.FetchId, alone.FetchId]);
        Assert.Equal(all.Count, await Store.ArchiveRawFetchesAsync(all, Ct));
        return (all, needed);
    }

    private async Task<HashSet<Guid>> ArchivedIdsAsync()
    {
        var ids = new HashSet<Guid>();
        foreach (var station in await Store.GetArchivedStationIdsAsync(Ct))
            ids.UnionWith((await Store.GetArchivedFetchesAsync(station, Ct)).Select(f => f.FetchId));
        return ids;
    }

    [Fact]
    public async Task The_archive_lists_each_stations_fetches_without_readings_and_with_their_size()
    {
        var (all, _) = await ArchiveScheduleShapeAsync();

        Assert.Equal([Station1, Station2], await Store.GetArchivedStationIdsAsync(Ct));
        var listed = await Store.GetArchivedFetchesAsync(Station1, Ct);
        Assert.Equal(all.Count(f => f.StationId == Station1), listed.Count);
        foreach (var fetch in listed)
        {
            var source = all.Single(f => f.FetchId == fetch.FetchId);
            Assert.Equal((source.StationId, source.WindowStart, source.WindowEnd, source.TimeZone, source.FetchedAt.UtcTicks),
                (fetch.StationId, fetch.WindowStart, fetch.WindowEnd, fetch.TimeZone, fetch.FetchedAt.UtcTicks));
            Assert.InRange(fetch.ReadingsBytes, 20, 10_000);
        }
    }

    [Fact]
    public async Task Prune_keeps_the_keep_all_window_and_the_newest_fetch_of_every_older_station_day()
    {
        var (all, needed) = await ArchiveScheduleShapeAsync();

        var report = await ArchivePruner.PruneAsync(Store, ArchiveNow, keepAllDays: 30, dryRun: false, Ct);

        Assert.Equal(needed, await ArchivedIdsAsync());
        Assert.Equal(all.Count - needed.Count, report.FetchesDropped);
        Assert.Equal(needed.Count, report.FetchesKept);
        Assert.True(report.BytesDropped > 0);
        // What replay sends for every day is unchanged: the newest fetch covering it.
        foreach (var day in Enumerable.Range(0, 5).Select(i => DayStart.AddDays(i)))
        {
            var covering = all.Where(f => f.StationId == Station1 && f.WindowStart <= day && f.WindowEnd > day);
            var newest = covering.MaxBy(f => (f.FetchedAt, f.FetchId))!;
            Assert.Equal(newest.FetchId, (await Store.GetRawFetchesAsync(Station1, day, day.AddDays(1), Ct)).MaxBy(f => (f.FetchedAt, f.FetchId))!.FetchId);
        }
    }

    [Fact]
    public async Task Prune_keeps_the_fetch_a_stored_day_was_computed_from_when_a_newer_fetch_of_it_sent_no_row()
    {
        var good = RawFetch(Station1, DayStart, days: 1);
        var nothingSent = good with { FetchId = Guid.NewGuid(), Readings = [], FetchedAt = good.FetchedAt.AddDays(1) };
        await Store.ArchiveRawFetchesAsync([good, nothingSent], Ct);
        var averages = Averages(Station1, good.FetchedAt, version: 1, co: 1.5) with { SourceFetchId = good.FetchId, TimeZone = good.TimeZone };
        await Store.UpsertAveragesAsync([averages], Ct);
        await Store.UpsertAveragesAsync(
            [NoRowsFrom(averages) with { SourceFetchId = nothingSent.FetchId, SourceFetchedAt = nothingSent.FetchedAt }], Ct);

        var report = await ArchivePruner.PruneAsync(Store, ArchiveNow, keepAllDays: 30, dryRun: false, Ct);

        Assert.Equal(0, report.FetchesDropped);
        Assert.Equal(new HashSet<Guid> { good.FetchId, nothingSent.FetchId }, await ArchivedIdsAsync());
    }

    [Fact]
    public async Task Prune_keeps_the_newest_fetch_with_rows_of_a_day_stored_without_rows()
    {
        // The day stored from an outage that answered nothing; the fetches with rows were never loaded (or were refused,
        // as the loader did before a day with rows replaced one without in either order): replay needs the newer one.
        var good = RawFetch(Station1, DayStart, days: 1);
        var olderGood = good with { FetchId = Guid.NewGuid(), FetchedAt = good.FetchedAt.AddHours(-1) };
        var nothingSent = good with { FetchId = Guid.NewGuid(), Readings = [], FetchedAt = good.FetchedAt.AddDays(1) };
        var otherDay = RawFetch(Station1, DayStart.AddDays(1), days: 1);
        var otherDayAgain = otherDay with { FetchId = Guid.NewGuid(), FetchedAt = otherDay.FetchedAt.AddDays(1) };
        await Store.ArchiveRawFetchesAsync([olderGood, good, nothingSent, otherDay, otherDayAgain], Ct);
        await Store.UpsertAveragesAsync([NoRowsFrom(Averages(Station1, nothingSent.FetchedAt, version: 1, co: 0))
            with { SourceFetchId = nothingSent.FetchId, TimeZone = good.TimeZone }], Ct);

        var report = await ArchivePruner.PruneAsync(Store, ArchiveNow, keepAllDays: 30, dryRun: false, Ct);

        Assert.Equal(2, report.FetchesDropped);
        Assert.Equal(new HashSet<Guid> { good.FetchId, nothingSent.FetchId, otherDayAgain.FetchId }, await ArchivedIdsAsync());
    }

    [Fact]
    public async Task Prune_is_idempotent_and_a_dry_run_changes_nothing()
    {
        var (all, needed) = await ArchiveScheduleShapeAsync();

        var dryRun = await ArchivePruner.PruneAsync(Store, ArchiveNow, keepAllDays: 30, dryRun: true, Ct);
        Assert.Equal(all.Select(f => f.FetchId).ToHashSet(), await ArchivedIdsAsync());
        var first = await ArchivePruner.PruneAsync(Store, ArchiveNow, keepAllDays: 30, dryRun: false, Ct);
        var second = await ArchivePruner.PruneAsync(Store, ArchiveNow, keepAllDays: 30, dryRun: false, Ct);

        Assert.Equal(dryRun.Stations, first.Stations);
        Assert.Equal(0, second.FetchesDropped);
        Assert.Equal(first.FetchesKept, second.FetchesKept);
        Assert.Equal(needed, await ArchivedIdsAsync());
    }

    [Fact]
    public async Task A_longer_keep_all_window_keeps_everything_younger()
    {
        var (all, _) = await ArchiveScheduleShapeAsync();

        var report = await ArchivePruner.PruneAsync(Store, ArchiveNow, keepAllDays: 40, dryRun: false, Ct);

        Assert.Equal(0, report.FetchesDropped);
        Assert.Equal(all.Count, (await ArchivedIdsAsync()).Count);
    }

    [Fact]
    public async Task Prune_after_a_change_of_zone_keeps_the_older_fetch_of_hours_no_newer_fetch_covers()
    {
        // Two days fetched in UTC, then the station moved to Tokyo (UTC+9) and the same dates fetched again there: Tokyo's
        // two days end at 15:00Z of the second UTC day, so the UTC fetch's last nine hours are in no newer fetch. A UTC
        // fetch of the first day only is covered, hour for hour, by the Tokyo fetch, and goes.
        var tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        var utcTwoDays = RawFetch(Station1, DayStart, days: 2);
        var utcFirstDay = RawFetch(Station1, DayStart, days: 1) with { FetchedAt = utcTwoDays.FetchedAt.AddHours(-1) };
        var tokyoWindow = DayWindows.ForDays(DateOnly.FromDateTime(DayStart.UtcDateTime), DateOnly.FromDateTime(DayStart.UtcDateTime).AddDays(1), tokyo);
        var tokyoTwoDays = RawFetch(Station1, tokyoWindow.Start, days: 2) with
        {
            WindowEnd = tokyoWindow.End, TimeZone = tokyo.Id, FetchedAt = utcTwoDays.FetchedAt.AddDays(1),
        };
        await Store.ArchiveRawFetchesAsync([utcTwoDays, utcFirstDay, tokyoTwoDays], Ct);

        var report = await ArchivePruner.PruneAsync(Store, ArchiveNow, keepAllDays: 30, dryRun: false, Ct);

        Assert.Equal(1, report.FetchesDropped);
        Assert.Equal(new HashSet<Guid> { utcTwoDays.FetchId, tokyoTwoDays.FetchId }, await ArchivedIdsAsync());
    }

    [Fact]
    public async Task A_delete_leaves_a_fetch_fetched_again_since_it_was_listed()
    {
        // The same readings fetched again keep their fetch id and move its time: that fetch is the newest again.
        var fetch = RawFetch(Station1, DayStart, days: 1);
        await Store.ArchiveRawFetchesAsync([fetch], Ct);
        var listed = Assert.Single(await Store.GetArchivedFetchesAsync(Station1, Ct));
        await Store.ArchiveRawFetchesAsync([fetch with { FetchedAt = fetch.FetchedAt.AddDays(10) }], Ct);

        Assert.Equal(0, await Store.DeleteRawFetchesAsync([listed], Ct));

        var kept = Assert.Single(await Store.GetArchivedFetchesAsync(Station1, Ct));
        Assert.Equal(fetch.FetchedAt.AddDays(10).UtcTicks, kept.FetchedAt.UtcTicks);
        Assert.Equal(1, await Store.DeleteRawFetchesAsync([kept], Ct));
        Assert.Empty(await Store.GetArchivedStationIdsAsync(Ct));
    }

    [Fact]
    public async Task Prune_while_fetches_are_being_archived_loses_nothing_and_archives_nothing_twice()
    {
        var (all, needed) = await ArchiveScheduleShapeAsync();
        // A backfill running meanwhile: 600 fetches archived in batches of 10 as the loader does, 50 of them twice
        // (redelivery). They are young, so all stay; the one older fetch of station 2 is superseded by them.
        var backfill = Enumerable.Range(0, 600)
            .Select(i => RawFetch(Station2, DayStart.AddDays(i % 300), days: 1) with { FetchedAt = ArchiveNow.AddMinutes(-i) })
            .ToList();
        var writer = Task.Run(async () =>
        {
            foreach (var batch in backfill.Concat(backfill.Take(50)).Chunk(10))
                await Store.ArchiveRawFetchesAsync(batch, Ct);
        }, Ct);
        var prunes = Task.Run(async () =>
        {
            for (var i = 0; i < 5; i++)
                await ArchivePruner.PruneAsync(Store, ArchiveNow, keepAllDays: 30, dryRun: false, Ct);
        }, Ct);
        await Task.WhenAll(writer, prunes);
        await ArchivePruner.PruneAsync(Store, ArchiveNow, keepAllDays: 30, dryRun: false, Ct);

        var station2 = await Store.GetArchivedFetchesAsync(Station2, Ct);
        Assert.Equal(backfill.Count, station2.Count);
        Assert.Equal(backfill.Select(f => f.FetchId).ToHashSet(), station2.Select(f => f.FetchId).ToHashSet());
        needed.Remove(all[^1].FetchId);
        Assert.Equal(needed, (await Store.GetArchivedFetchesAsync(Station1, Ct)).Select(f => f.FetchId).ToHashSet());
    }

    /// <summary>
    /// A fetch that sent no row for the days of <paramref name="averages"/> (an outage answering nothing, or days past
    /// what the source still serves): no hour, and days with no hour covered and no quantity seen.
    /// </summary>
    protected static AveragesComputed NoRowsFrom(AveragesComputed averages) => averages with
    {
        SourceFetchId = Guid.NewGuid(),
        Hourly = [],
        Daily = [.. averages.Daily.Select(day => day with
        {
            HoursCovered = 0, Completeness = 0, IsComplete = false, Quantities = new Dictionary<string, QuantityStats>(),
        })],
    };

    /// <summary>Two hourly rows and one daily row of one station-day; <paramref name="co"/> sets every mean.</summary>
    protected static AveragesComputed Averages(string stationId, DateTimeOffset fetchedAt, int version, double co, DateOnly? day = null)
    {
        var stats = new Dictionary<string, QuantityStats>
        {
            ["co"] = new() { Mean = co, Min = co - 1e-300, Max = co + 0.25, Count = 2, Rejected = 0 },
            ["pm2_5"] = new() { Count = 0, Rejected = 3 },
            ["o3"] = new() { Mean = -41.607136, Min = -41.607136, Max = -41.607136, Count = 1, Rejected = 1 },
        };
        var averages = Builders.Averages(stationId, day ?? Day, quantities: stats, fetchedAt: fetchedAt, algorithmVersion: version, hours: [0, 1]);
        return averages with
        {
            Hourly = [averages.Hourly[0], averages.Hourly[1] with { Quantities = new Dictionary<string, QuantityStats> { ["co"] = stats["co"] } }],
            Daily = [averages.Daily[0] with { HoursCovered = 19, Completeness = 19 / 24.0, IsComplete = true }],
        };
    }

    protected static RawReadingsFetched RawFetch(string stationId, DateTimeOffset windowStart, int days) =>
        Builders.RawFetch(stationId, windowStart, days, timeZone: "Africa/Abidjan", fetchedAt: windowStart.AddDays(days).AddTicks(1234567),
            readings:
            [
                Builders.Reading(windowStart, ("co", 0.5717233), ("pm2_5", 4.3)),
                Builders.Reading(windowStart.AddHours(1), ("pm2_5", null), ("co", -1.0116867)),
                Builders.Reading(windowStart, ("co", 0.1 + 0.2)),
                Builders.Reading(windowStart.AddHours(2)),
            ]);

    protected static void AssertStored(AveragesComputed source, DailyAverage expected, StoredDailyAverage actual)
    {
        Assert.Equal((source.StationId, expected.Date, expected.HoursCovered, expected.HoursInDay, expected.Completeness, expected.IsComplete),
            (actual.StationId, actual.Date, actual.HoursCovered, actual.HoursInDay, actual.Completeness, actual.IsComplete));
        Assert.Equal((source.AlgorithmVersion, source.SourceFetchId, source.SourceFetchedAt, source.TimeZone),
            (actual.AlgorithmVersion, actual.SourceFetchId, actual.SourceFetchedAt, actual.TimeZone));
        AssertSameQuantities(expected.Quantities, actual.Quantities);
    }

    protected static void AssertStored(AveragesComputed source, HourlyAverage expected, StoredHourlyAverage actual)
    {
        Assert.Equal((source.StationId, expected.Hour), (actual.StationId, actual.Hour));
        Assert.Equal((source.AlgorithmVersion, source.SourceFetchId, source.SourceFetchedAt),
            (actual.AlgorithmVersion, actual.SourceFetchId, actual.SourceFetchedAt));
        AssertSameQuantities(expected.Quantities, actual.Quantities);
    }

    protected static void AssertSameQuantities(IReadOnlyDictionary<string, QuantityStats> expected, IReadOnlyDictionary<string, QuantityStats> actual)
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, stats) in expected)
            Assert.Equal(stats, actual[name]);
    }

    protected static void AssertSameFetch(RawReadingsFetched expected, RawReadingsFetched actual)
    {
        Assert.Equal(expected with { Readings = [] }, actual with { Readings = [] });
        Assert.Equal(expected.FetchedAt.UtcTicks, actual.FetchedAt.UtcTicks);
        Assert.Equal(expected.Readings.Count, actual.Readings.Count);
        for (var i = 0; i < expected.Readings.Count; i++)
        {
            Assert.Equal(expected.Readings[i].Hour, actual.Readings[i].Hour);
            Assert.Equal(expected.Readings[i].Values.ToArray(), actual.Readings[i].Values.ToArray());
        }
    }
}
