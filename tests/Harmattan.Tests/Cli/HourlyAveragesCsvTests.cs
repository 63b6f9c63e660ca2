using Harmattan.Cli.Export;
using Harmattan.Contracts;
using Harmattan.Storage;

namespace Harmattan.Tests.Cli;

public class HourlyAveragesCsvTests
{
    [Fact]
    public async Task Each_hour_is_a_row_in_utc_and_at_the_stations_offset_with_each_quantitys_value_and_rejected_count()
    {
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var writer = new StringWriter();
        // 2023-10-29, the night the clocks go back in Paris: 02:00 local comes twice.
        await HourlyAveragesCsv.WriteAsync(writer,
        [
            new(Hour("2023-10-29T01:00:00Z", ("pm2_5", new QuantityStats { Mean = 0.1 + 0.2, Min = 0.1 + 0.2, Max = 0.1 + 0.2, Count = 1, Rejected = 0 })), paris),
            new(Hour("2023-10-29T00:00:00Z",
                ("wind_speed", new QuantityStats { Mean = 2, Min = 2, Max = 2, Count = 1, Rejected = 0 }),
                ("co", new QuantityStats { Count = 0, Rejected = 1 })), paris),
        ], TestContext.Current.CancellationToken);

        Assert.Equal(
            "station_id,hour,local_time,co,co_rejected,pm2_5,pm2_5_rejected,wind_speed,wind_speed_rejected\n" +
            "283164601,2023-10-29T00:00:00Z,2023-10-29T02:00:00+02:00,,1,,0,2,0\n" +
            "283164601,2023-10-29T01:00:00Z,2023-10-29T02:00:00+01:00,,0,0.30000000000000004,0,,0\n",
            writer.ToString());
    }

    [Fact]
    public async Task A_station_id_or_quantity_name_a_spreadsheet_would_run_as_a_formula_is_escaped_and_a_negative_value_stays_a_number()
    {
        var writer = new StringWriter();
        await HourlyAveragesCsv.WriteAsync(writer,
        [
            new(Hour("2023-10-29T00:00:00Z", ("@cmd,x", new QuantityStats { Mean = -3.5, Min = -3.5, Max = -3.5, Count = 1, Rejected = 0 })) with { StationId = "=2+5" },
                TimeZoneInfo.Utc),
        ], TestContext.Current.CancellationToken);

        Assert.Equal(
            "station_id,hour,local_time,\"'@cmd,x\",\"'@cmd,x_rejected\"\n" +
            "'=2+5,2023-10-29T00:00:00Z,2023-10-29T00:00:00+00:00,-3.5,0\n",
            writer.ToString());
    }

    [Fact]
    public async Task Every_line_ends_in_a_line_feed_whatever_the_platform_s_or_the_writer_s_newline()
    {
        // As Console.Out and a StreamWriter write lines on Windows.
        var writer = new StringWriter { NewLine = "\r\n" };
        await HourlyAveragesCsv.WriteAsync(writer,
        [
            new(Hour("2023-10-29T00:00:00Z", ("co", new QuantityStats { Mean = 1, Min = 1, Max = 1, Count = 1, Rejected = 0 })), TimeZoneInfo.Utc),
            new(Hour("2023-10-29T01:00:00Z", ("co", new QuantityStats { Mean = 2, Min = 2, Max = 2, Count = 1, Rejected = 0 })), TimeZoneInfo.Utc),
        ], TestContext.Current.CancellationToken);

        Assert.Equal(
            "station_id,hour,local_time,co,co_rejected\n" +
            "283164601,2023-10-29T00:00:00Z,2023-10-29T00:00:00+00:00,1,0\n" +
            "283164601,2023-10-29T01:00:00Z,2023-10-29T01:00:00+00:00,2,0\n",
            writer.ToString());
    }

    private static StoredHourlyAverage Hour(string hour, params (string Name, QuantityStats Stats)[] quantities) => new()
    {
        StationId = "283164601",
        Hour = DateTimeOffset.Parse(hour, System.Globalization.CultureInfo.InvariantCulture),
        Quantities = quantities.ToDictionary(q => q.Name, q => q.Stats),
        AlgorithmVersion = 1,
        SourceFetchId = Guid.Empty,
        SourceFetchedAt = DateTimeOffset.UnixEpoch,
    };
}
