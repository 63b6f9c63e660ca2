using Harmattan.Cli.Export;
using Harmattan.Contracts;
using Harmattan.Storage;

namespace Harmattan.Tests.Cli;

public class DailyAveragesCsvTests
{
    [Fact]
    public async Task The_CSV_has_the_documented_columns_invariant_round_trip_numbers_and_ascending_days_and_an_unknown_zone_is_empty()
    {
        var writer = new StringWriter { NewLine = "\n" };
        await DailyAveragesCsv.WriteAsync(writer,
        [
            Day(new DateOnly(2023, 1, 2), 24, ("pm2_5", new QuantityStats { Mean = 12.5, Min = 3, Max = 30.25, Count = 24, Rejected = 1 })) with { TimeZone = null },
            Day(new DateOnly(2023, 1, 1), 18,
                ("wind_speed", new QuantityStats { Mean = 2, Min = 1, Max = 3, Count = 18, Rejected = 0 }),
                ("co", new QuantityStats { Mean = 0.1 + 0.2, Min = -0.5, Max = 1, Count = 18, Rejected = 2 })),
        ], TestContext.Current.CancellationToken);

        Assert.Equal(
            "station_id,date,time_zone,co_mean,co_min,co_max,co_count,co_rejected,pm2_5_mean,pm2_5_min,pm2_5_max,pm2_5_count,pm2_5_rejected," +
            "wind_speed_mean,wind_speed_min,wind_speed_max,wind_speed_count,wind_speed_rejected,hours_covered,completeness,is_complete\n" +
            "283164601,2023-01-01,Europe/Paris,0.30000000000000004,-0.5,1,18,2,,,,0,0,2,1,3,18,0,18,0.75,true\n" +
            "283164601,2023-01-02,,,,,0,0,12.5,3,30.25,24,1,,,,0,0,24,1,true\n",
            writer.ToString());
    }

    [Fact]
    public async Task A_day_with_no_data_at_the_source_is_a_row_with_zero_hours()
    {
        var writer = new StringWriter { NewLine = "\n" };
        await DailyAveragesCsv.WriteAsync(writer, [Day(new DateOnly(2023, 1, 3), 0)], TestContext.Current.CancellationToken);

        Assert.Equal("station_id,date,time_zone,hours_covered,completeness,is_complete\n283164601,2023-01-03,Europe/Paris,0,0,false\n", writer.ToString());
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
        SourceFetchedAt = DateTimeOffset.UnixEpoch,
        TimeZone = "Europe/Paris",
    };
}
