using Harmattan.Extractor;
using Harmattan.Extractor.Scheduling;
using Harmattan.Hosting;
using Harmattan.Stations;

namespace Harmattan.Tests.Scheduling;

public class FetchScheduleTests
{
    private static readonly Cronos.CronExpression DefaultCron = new ScheduleOptions().ParseCron();

    private static StationConfig Station(string zone, string id = "283164601") => new() { Id = id, TimeZone = zone };

    private static DateTimeOffset Utc(int year, int month, int day, int hour, int minute = 0) =>
        new(year, month, day, hour, minute, 0, TimeSpan.Zero);

    [Fact]
    public void The_default_cron_runs_at_five_past_every_hour_utc_and_never_twice_for_one_occurrence()
    {
        Assert.Equal(Utc(2026, 6, 10, 13, 5), CronSchedule.NextOccurrence(DefaultCron, Utc(2026, 6, 10, 12, 59)));
        Assert.Equal(Utc(2026, 6, 10, 14, 5), CronSchedule.NextOccurrence(DefaultCron, Utc(2026, 6, 10, 13, 5)));
        // The cron is read in UTC whatever the offset of the instant it is given.
        Assert.Equal(Utc(2026, 6, 10, 13, 5), CronSchedule.NextOccurrence(DefaultCron, new DateTimeOffset(2026, 6, 10, 15, 1, 0, TimeSpan.FromHours(2))));
    }

    [Fact]
    public void The_cron_crosses_the_end_of_a_month_and_of_a_year()
    {
        Assert.Equal(Utc(2027, 1, 1, 0, 5), CronSchedule.NextOccurrence(DefaultCron, Utc(2026, 12, 31, 23, 30)));
        Assert.Equal(Utc(2026, 3, 1, 0, 5), CronSchedule.NextOccurrence(DefaultCron, Utc(2026, 2, 28, 23, 5)));
        var daily = new ScheduleOptions { Cron = "30 2 * * *" }.ParseCron();
        Assert.Equal(Utc(2024, 2, 29, 2, 30), CronSchedule.NextOccurrence(daily, Utc(2024, 2, 28, 3, 0)));
    }

    [Fact]
    public void A_run_fetches_yesterday_and_today_in_each_stations_zone()
    {
        var runAt = Utc(2026, 6, 10, 13, 5);

        var plan = FetchSchedule.Plan(runAt, [Station("UTC", "a"), Station("Asia/Tokyo", "b"), Station("America/Los_Angeles", "c")], lookbackDays: 2);

        Assert.Equal(["a", "b", "c"], plan.Select(p => p.Command.StationId));
        Assert.Equal((Utc(2026, 6, 9, 0), Utc(2026, 6, 11, 0)), (plan[0].Command.WindowStart, plan[0].Command.WindowEnd));
        // Tokyo (UTC+9): 22:05 local on June 10.
        Assert.Equal((Utc(2026, 6, 8, 15), Utc(2026, 6, 10, 15)), (plan[1].Command.WindowStart, plan[1].Command.WindowEnd));
        // Los Angeles (UTC-7 in summer): 06:05 local on June 10.
        Assert.Equal((Utc(2026, 6, 9, 7), Utc(2026, 6, 11, 7)), (plan[2].Command.WindowStart, plan[2].Command.WindowEnd));
        Assert.All(plan, p => Assert.Equal(FetchSchedule.RequestedBy, p.Command.RequestedBy));
        Assert.Equal(["UTC", "Asia/Tokyo", "America/Los_Angeles"], plan.Select(p => p.Command.TimeZone));
    }

    [Fact]
    public void Windows_follow_daylight_saving_changes()
    {
        // Paris springs forward on 2026-03-29: that local day lasts 23 hours.
        var spring = Assert.Single(FetchSchedule.Plan(Utc(2026, 3, 29, 10, 5), [Station("Europe/Paris")], lookbackDays: 2));
        Assert.Equal((Utc(2026, 3, 27, 23), Utc(2026, 3, 29, 22)), (spring.Command.WindowStart, spring.Command.WindowEnd));
        Assert.Equal(TimeSpan.FromHours(47), spring.Command.WindowEnd - spring.Command.WindowStart);

        // New York falls back on 2026-11-01: that local day lasts 25 hours.
        var autumn = Assert.Single(FetchSchedule.Plan(Utc(2026, 11, 1, 12, 5), [Station("America/New_York")], lookbackDays: 1));
        Assert.Equal((Utc(2026, 11, 1, 4), Utc(2026, 11, 2, 5)), (autumn.Command.WindowStart, autumn.Command.WindowEnd));
    }

    [Fact]
    public void The_local_date_decides_the_days_across_month_and_year_boundaries()
    {
        // 2025-12-31 15:05 UTC is already New Year's Day in Tokyo.
        var tokyo = Assert.Single(FetchSchedule.Plan(Utc(2025, 12, 31, 15, 5), [Station("Asia/Tokyo")], lookbackDays: 2));
        Assert.Equal((Utc(2025, 12, 30, 15), Utc(2026, 1, 1, 15)), (tokyo.Command.WindowStart, tokyo.Command.WindowEnd));

        // 2026-03-01 05:05 UTC is still February 28 in Los Angeles.
        var la = Assert.Single(FetchSchedule.Plan(Utc(2026, 3, 1, 5, 5), [Station("America/Los_Angeles")], lookbackDays: 2));
        Assert.Equal((Utc(2026, 2, 27, 8), Utc(2026, 3, 1, 8)), (la.Command.WindowStart, la.Command.WindowEnd));

        var week = Assert.Single(FetchSchedule.Plan(Utc(2026, 1, 2, 0, 5), [Station("UTC")], lookbackDays: 7));
        Assert.Equal((Utc(2025, 12, 27, 0), Utc(2026, 1, 3, 0)), (week.Command.WindowStart, week.Command.WindowEnd));
    }

    [Fact]
    public void Runs_in_the_same_hour_send_the_same_message_ids_and_other_hours_or_windows_do_not()
    {
        StationConfig[] stations = [Station("UTC", "a"), Station("Africa/Abidjan", "b")];

        var first = FetchSchedule.Plan(Utc(2026, 6, 10, 13, 5), stations, 2);
        var retried = FetchSchedule.Plan(Utc(2026, 6, 10, 13, 59), stations, 2);
        var nextHour = FetchSchedule.Plan(Utc(2026, 6, 10, 14, 5), stations, 2);
        var longerLookback = FetchSchedule.Plan(Utc(2026, 6, 10, 13, 5), stations, 3);

        Assert.Equal(first.Select(p => p.MessageId), retried.Select(p => p.MessageId));
        Assert.Equal(first.Select(p => p.Command), retried.Select(p => p.Command));
        Assert.NotEqual(first[0].MessageId, first[1].MessageId);
        Assert.Empty(first.Select(p => p.MessageId).Intersect(nextHour.Select(p => p.MessageId)));
        Assert.Empty(first.Select(p => p.MessageId).Intersect(longerLookback.Select(p => p.MessageId)));
        Assert.Equal(Utc(2026, 6, 10, 13), FetchSchedule.RunHour(Utc(2026, 6, 10, 13, 59)));
    }

    [Fact]
    public void A_message_id_is_a_version_8_guid_fixed_by_its_inputs()
    {
        var id = FetchSchedule.MessageId("283164601", new UtcWindow(Utc(2026, 6, 9, 0), Utc(2026, 6, 11, 0)), Utc(2026, 6, 10, 13));

        Assert.Equal(8, id.Version);
        Assert.Equal(id, FetchSchedule.MessageId("283164601", new UtcWindow(Utc(2026, 6, 9, 0), Utc(2026, 6, 11, 0)), Utc(2026, 6, 10, 13)));
        Assert.NotEqual(id, FetchSchedule.MessageId("283164602", new UtcWindow(Utc(2026, 6, 9, 0), Utc(2026, 6, 11, 0)), Utc(2026, 6, 10, 13)));
    }

    [Fact]
    public void Downtime_inside_the_lookback_is_covered_by_the_next_run()
    {
        // Down from 07:05 yesterday to 13:05 today: the run fetches yesterday and today whole.
        Assert.Null(FetchSchedule.FindGap(Station("UTC"), Utc(2026, 6, 10, 13, 5), 2, fetchedUntil: Utc(2026, 6, 9, 7, 5)));
        // The last run of a normal night, at 23:05, and the first after midnight.
        Assert.Null(FetchSchedule.FindGap(Station("UTC"), Utc(2026, 6, 10, 0, 5), 2, fetchedUntil: Utc(2026, 6, 9, 23, 5)));
        Assert.Null(FetchSchedule.FindGap(Station("UTC"), Utc(2026, 6, 10, 0, 5), 2, fetchedUntil: null));
    }

    [Fact]
    public void Downtime_beyond_the_lookback_is_a_gap_with_the_backfill_command_that_fills_it()
    {
        var gap = FetchSchedule.FindGap(Station("UTC"), Utc(2026, 6, 10, 13, 5), 2, fetchedUntil: Utc(2026, 6, 5, 22, 5));

        Assert.NotNull(gap);
        Assert.Equal((new DateOnly(2026, 6, 5), new DateOnly(2026, 6, 8), 4), (gap.From, gap.To, gap.Days));
        Assert.Equal("harmattan backfill --station 283164601 --from 2026-06-05 --to 2026-06-08", gap.BackfillCommand);
    }

    [Fact]
    public void A_gap_in_a_zone_whose_days_begin_on_the_half_hour_includes_the_day_whose_last_hour_had_not_ended()
    {
        // A Kolkata day ends at 18:30 UTC and its last hour at 19:00: fetched at 18:40 (the fetch reaches its window's end,
        // 18:30), June 1 lacks its last hour, and the gap begins with it.
        var gap = FetchSchedule.FindGap(Station("Asia/Kolkata", "kolkata-1"), Utc(2025, 6, 10, 12, 5), 2, fetchedUntil: Utc(2025, 6, 1, 18, 30));
        Assert.NotNull(gap);
        Assert.Equal("harmattan backfill --station kolkata-1 --from 2025-06-01 --to 2025-06-08", gap.BackfillCommand);

        // Reached after 19:00, June 1 is whole.
        gap = FetchSchedule.FindGap(Station("Asia/Kolkata", "kolkata-1"), Utc(2025, 6, 10, 12, 5), 2, fetchedUntil: Utc(2025, 6, 1, 19, 5));
        Assert.NotNull(gap);
        Assert.Equal("harmattan backfill --station kolkata-1 --from 2025-06-02 --to 2025-06-08", gap.BackfillCommand);
    }

    [Fact]
    public void A_gap_is_counted_in_local_days_across_a_year_boundary()
    {
        // Last fetch at 16:00 UTC on Dec 28 is Dec 29 01:00 in Tokyo; the run on Jan 2 (Tokyo) covers Jan 1 and 2.
        var gap = FetchSchedule.FindGap(Station("Asia/Tokyo", "tokyo-1"), Utc(2027, 1, 2, 3, 5), 2, fetchedUntil: Utc(2026, 12, 28, 16, 0));

        Assert.NotNull(gap);
        Assert.Equal("harmattan backfill --station tokyo-1 --from 2026-12-29 --to 2026-12-31", gap.BackfillCommand);
    }
}
