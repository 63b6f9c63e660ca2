using Harmattan.Stations;

namespace Harmattan.Tests.Stations;

public class DayWindowsTests
{
    private static DateTimeOffset Utc(int year, int month, int day, int hour = 0) => new(year, month, day, hour, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Ten_days_are_cut_into_seven_and_three()
    {
        var windows = DayWindows.Split(Utc(2023, 11, 20), Utc(2023, 11, 30), TimeZoneInfo.Utc, 7);

        Assert.Equal([new UtcWindow(Utc(2023, 11, 20), Utc(2023, 11, 27)), new UtcWindow(Utc(2023, 11, 27), Utc(2023, 11, 30))], windows);
    }

    [Fact]
    public void A_window_of_whole_weeks_gives_full_chunks_only()
    {
        var windows = DayWindows.Split(Utc(2023, 1, 1), Utc(2023, 1, 15), TimeZoneInfo.Utc);
        Assert.Equal(2, windows.Count);
        Assert.All(windows, w => Assert.Equal(TimeSpan.FromDays(7), w.End - w.Start));
    }

    [Fact]
    public void Days_are_cut_at_local_midnight_across_a_daylight_saving_change()
    {
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        // Clocks went forward on Sunday 26 March 2023, so that day lasted 23 hours.
        var window = DayWindows.ForDays(new DateOnly(2023, 3, 20), new DateOnly(2023, 3, 29), paris);

        var chunks = DayWindows.Split(window.Start, window.End, paris, 7);

        Assert.Equal(Utc(2023, 3, 19, 23), window.Start);
        Assert.Equal(Utc(2023, 3, 29, 22), window.End);
        Assert.Equal([new UtcWindow(Utc(2023, 3, 19, 23), Utc(2023, 3, 26, 22)), new UtcWindow(Utc(2023, 3, 26, 22), Utc(2023, 3, 29, 22))], chunks);
        Assert.Equal(TimeSpan.FromHours(7 * 24 - 1), chunks[0].End - chunks[0].Start);
    }

    [Fact]
    public void A_day_whose_midnight_is_skipped_starts_when_the_clocks_jump()
    {
        var santiago = TimeZoneInfo.FindSystemTimeZoneById("America/Santiago");
        // Chile moved from UTC-4 to UTC-3 at local midnight starting 11 September 2022: 00:00 never happened.
        Assert.Equal(Utc(2022, 9, 11, 4), DayWindows.StartOfDay(new DateOnly(2022, 9, 11), santiago));
        Assert.Equal(Utc(2022, 9, 12, 3), DayWindows.StartOfDay(new DateOnly(2022, 9, 12), santiago));
    }

    [Fact]
    public void A_skipped_midnight_that_the_zone_rules_report_as_existing_still_starts_the_day_when_the_clocks_jump()
    {
        var asuncion = TimeZoneInfo.FindSystemTimeZoneById("America/Asuncion");
        // Paraguay moved from UTC-4 to UTC-3 at local midnight starting 1 October 2023, yet .NET reports that midnight as
        // valid at UTC-3: cut there, the window began at 23:00 the evening before, an hour of 30 September in it.
        Assert.Equal(Utc(2023, 10, 1, 4), DayWindows.StartOfDay(new DateOnly(2023, 10, 1), asuncion));
        Assert.Equal(new DateOnly(2023, 10, 1), DayWindows.LocalDate(Utc(2023, 10, 1, 4), asuncion));
        Assert.Equal(new DateOnly(2023, 9, 30), DayWindows.LocalDate(Utc(2023, 10, 1, 3), asuncion));
    }

    [Fact]
    public void In_every_zone_every_day_since_2000_starts_at_its_first_instant_or_a_skipped_day_at_the_next()
    {
        // Only midnights near a change of offset can go wrong; the instants are scanned every 15 minutes, the step of
        // every offset and change since 2000. A day the clocks skipped whole (Pacific/Apia, 30 December 2011) lasts no time.
        var wrong = new List<string>();
        foreach (var zone in TimeZoneInfo.GetSystemTimeZones())
            for (var day = new DateOnly(2000, 1, 1); day < new DateOnly(2031, 1, 1); day = day.AddDays(1))
            {
                var midnight = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
                if (zone.GetUtcOffset(midnight.AddDays(-1)) == zone.GetUtcOffset(midnight.AddDays(1)))
                    continue;
                var first = new DateTimeOffset(midnight.AddHours(-15), TimeSpan.Zero);
                while (DayWindows.LocalDate(first, zone) < day)
                    first = first.AddMinutes(15);
                if (DayWindows.StartOfDay(day, zone) is var start && start != first)
                    wrong.Add($"{zone.Id} {day:yyyy-MM-dd}: {start:yyyy-MM-ddTHH:mmZ}, not {first:yyyy-MM-ddTHH:mmZ}");
            }

        Assert.True(wrong.Count == 0, $"{wrong.Count} days start elsewhere than their first instant, e.g.\n{string.Join("\n", wrong.Take(10))}");
    }

    [Fact]
    public void Abidjan_days_are_UTC_days()
    {
        var abidjan = TimeZoneInfo.FindSystemTimeZoneById("Africa/Abidjan");
        Assert.Equal(new UtcWindow(Utc(2023, 12, 1), Utc(2023, 12, 11)), DayWindows.ForDays(new DateOnly(2023, 12, 1), new DateOnly(2023, 12, 10), abidjan));
    }

    [Fact]
    public void The_last_two_days_are_yesterday_and_today_in_the_station_zone()
    {
        var tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        // 20:00 UTC on 9 December is already 10 December in Tokyo (UTC+9).
        var window = DayWindows.LastDays(Utc(2023, 12, 9, 20), 2, tokyo);
        Assert.Equal(new UtcWindow(Utc(2023, 12, 8, 15), Utc(2023, 12, 10, 15)), window);
    }

    [Fact]
    public void A_start_between_midnights_gives_a_shorter_first_chunk()
    {
        var windows = DayWindows.Split(Utc(2023, 11, 20, 12), Utc(2023, 12, 1), TimeZoneInfo.Utc, 7);
        Assert.Equal([new UtcWindow(Utc(2023, 11, 20, 12), Utc(2023, 11, 27)), new UtcWindow(Utc(2023, 11, 27), Utc(2023, 12, 1))], windows);
    }

    [Fact]
    public void An_empty_window_is_refused()
    {
        Assert.Throws<ArgumentException>(() => DayWindows.Split(Utc(2023, 1, 2), Utc(2023, 1, 2), TimeZoneInfo.Utc));
        Assert.Throws<ArgumentException>(() => DayWindows.ForDays(new DateOnly(2023, 1, 2), new DateOnly(2023, 1, 1), TimeZoneInfo.Utc));
    }
}
