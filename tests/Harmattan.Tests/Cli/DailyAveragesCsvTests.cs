using Harmattan.Cli.Export;
using Harmattan.Contracts;
using Harmattan.Storage;

namespace Harmattan.Tests.Cli;

public class DailyAveragesCsvTests
{
    [Fact]
    public async Task The_CSV_has_the_documented_columns_invariant_round_trip_numbers_and_ascending_days_and_an_unknown_zone_is_empty()
    {
        var writer = new StringWriter();
        await DailyAveragesCsv.WriteAsync(writer,
        [
            Day(new DateOnly(2023, 1, 2), 24, ("pm2_5", new QuantityStats { Mean = 12.5, Min = 3, Max = 30.25, Count = 24, Rejected = 1 })) with { TimeZone = null },
            Day(new DateOnly(2023, 1, 1), 18,
                ("wind_speed", new QuantityStats { Mean = 2, Min = 1, Max = 3, Count = 18, Rejected = 0 }),
                ("co", new QuantityStats { Mean = 0.1 + 0.2, Min = -0.5, Max = 1, Count = 18, Rejected = 2 })),
        ], DateTimeOffset.UtcNow, TestContext.Current.CancellationToken);

        Assert.Equal(
            "station_id,date,time_zone,co_mean,co_min,co_max,co_count,co_rejected,pm2_5_mean,pm2_5_min,pm2_5_max,pm2_5_count,pm2_5_rejected," +
            "wind_speed_mean,wind_speed_min,wind_speed_max,wind_speed_count,wind_speed_rejected,hours_covered,completeness,is_complete,is_running\n" +
            "283164601,2023-01-01,Europe/Paris,0.30000000000000004,-0.5,1,18,2,,,,0,0,2,1,3,18,0,18,0.75,true,false\n" +
            "283164601,2023-01-02,,,,,0,0,12.5,3,30.25,24,1,,,,0,0,24,1,true,false\n",
            writer.ToString());
    }

    [Fact]
    public async Task A_day_with_no_data_at_the_source_is_a_row_with_zero_hours()
    {
        var writer = new StringWriter();
        await DailyAveragesCsv.WriteAsync(writer, [Day(new DateOnly(2023, 1, 3), 0)], DateTimeOffset.UtcNow, TestContext.Current.CancellationToken);

        Assert.Equal("station_id,date,time_zone,hours_covered,completeness,is_complete,is_running\n283164601,2023-01-03,Europe/Paris,0,0,false,false\n", writer.ToString());
    }

    [Fact]
    public async Task A_day_fetched_before_it_ended_in_its_zone_is_running_not_merely_incomplete()
    {
        var writer = new StringWriter();
        var day = new DateOnly(2023, 7, 1);
        // 23:30 UTC on July 1st: the day has ended in Paris (UTC+2), not in UTC.
        var lateEvening = new DateTimeOffset(2023, 7, 1, 23, 30, 0, TimeSpan.Zero);
        IReadOnlyList<StoredDailyAverage> days =
        [
            Day(day, 12) with { SourceFetchedAt = lateEvening, StationId = "paris" },
            Day(day, 12) with { SourceFetchedAt = lateEvening, StationId = "utc", TimeZone = "UTC" },
            // Complete already: running says only why an incomplete day is incomplete, as harmattan status counts it.
            Day(day, 20) with { SourceFetchedAt = lateEvening, StationId = "utc-complete", TimeZone = "UTC" },
        ];
        await DailyAveragesCsv.WriteAsync(writer, days, now: lateEvening.AddMinutes(10), TestContext.Current.CancellationToken);

        Assert.Equal(
            "station_id,date,time_zone,hours_covered,completeness,is_complete,is_running\n" +
            "paris,2023-07-01,Europe/Paris,12,0.5,false,false\n" +
            "utc,2023-07-01,UTC,12,0.5,false,true\n" +
            "utc-complete,2023-07-01,UTC,20,0.8333333333333334,true,false\n",
            writer.ToString());

        // Still running through the next day, which the schedule's lookback fetches it in; not once that has ended too.
        writer = new StringWriter();
        await DailyAveragesCsv.WriteAsync(writer, days, now: new DateTimeOffset(2023, 7, 2, 23, 59, 0, TimeSpan.Zero), TestContext.Current.CancellationToken);
        Assert.Contains("\nutc,2023-07-01,UTC,12,0.5,false,true\n", writer.ToString());
        writer = new StringWriter();
        await DailyAveragesCsv.WriteAsync(writer, days, now: new DateTimeOffset(2023, 7, 3, 0, 0, 0, TimeSpan.Zero), TestContext.Current.CancellationToken);
        Assert.Contains("\nutc,2023-07-01,UTC,12,0.5,false,false\n", writer.ToString());
    }

    [Fact]
    public async Task Text_from_the_store_that_a_spreadsheet_would_run_as_a_formula_or_split_into_columns_is_escaped_and_negative_numbers_stay_numbers()
    {
        var writer = new StringWriter();
        // What a message published on the broker, or a write to the database, can leave in the store.
        await DailyAveragesCsv.WriteAsync(writer,
        [
            Day(new DateOnly(2023, 1, 1), 24,
                ("=1+2,x", new QuantityStats { Mean = -0.5, Min = -1, Max = 0, Count = 24, Rejected = 0 }),
                ("@sum\"q\"", new QuantityStats { Mean = 1, Min = 1, Max = 1, Count = 24, Rejected = 0 }))
                with { TimeZone = "=HYPERLINK(\"http://evil.example/\",\"x\")", StationId = "+cmd" },
            Day(new DateOnly(2023, 1, 2), 24) with { TimeZone = "-2+3", StationId = "\tline\nbreak" },
            Day(new DateOnly(2023, 1, 3), 24) with { TimeZone = "\r@x" },
        ], DateTimeOffset.UtcNow, TestContext.Current.CancellationToken);

        Assert.Equal(
            "station_id,date,time_zone,\"'=1+2,x_mean\",\"'=1+2,x_min\",\"'=1+2,x_max\",\"'=1+2,x_count\",\"'=1+2,x_rejected\"," +
            "\"'@sum\"\"q\"\"_mean\",\"'@sum\"\"q\"\"_min\",\"'@sum\"\"q\"\"_max\",\"'@sum\"\"q\"\"_count\",\"'@sum\"\"q\"\"_rejected\"," +
            "hours_covered,completeness,is_complete,is_running\n" +
            "'+cmd,2023-01-01,\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"x\"\")\",-0.5,-1,0,24,0,1,1,1,24,0,24,1,true,false\n" +
            "\"'\tline\nbreak\",2023-01-02,'-2+3,,,,0,0,,,,0,0,24,1,true,false\n" +
            "283164601,2023-01-03,\"'\r@x\",,,,0,0,,,,0,0,24,1,true,false\n",
            writer.ToString());
    }

    [Fact]
    public async Task Every_line_ends_in_a_line_feed_whatever_the_platform_s_or_the_writer_s_newline()
    {
        // As Console.Out and a StreamWriter write lines on Windows.
        var writer = new StringWriter { NewLine = "\r\n" };
        await DailyAveragesCsv.WriteAsync(writer, [Day(new DateOnly(2023, 1, 3), 0), Day(new DateOnly(2023, 1, 4), 0)],
            DateTimeOffset.UtcNow, TestContext.Current.CancellationToken);

        Assert.Equal(
            "station_id,date,time_zone,hours_covered,completeness,is_complete,is_running\n" +
            "283164601,2023-01-03,Europe/Paris,0,0,false,false\n" +
            "283164601,2023-01-04,Europe/Paris,0,0,false,false\n",
            writer.ToString());
    }

    private static StoredDailyAverage Day(DateOnly date, int hours, params (string Name, QuantityStats Stats)[] quantities) => new()
    {
        StationId = "283164601",
        Date = date,
        HoursCovered = hours,
        HoursInDay = 24,
        Completeness = hours / 24.0,
        IsComplete = hours >= 18,
        Quantities = quantities.ToDictionary(q => q.Name, q => q.Stats),
        AlgorithmVersion = 1,
        SourceFetchId = Guid.Empty,
        // Fetched the day after: the day had ended.
        SourceFetchedAt = new DateTimeOffset(date.AddDays(2).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
        TimeZone = "Europe/Paris",
    };
}
