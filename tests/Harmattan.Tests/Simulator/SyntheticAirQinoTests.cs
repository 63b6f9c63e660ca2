using System.Text.Json;
using Harmattan.AirQinoSimulator;
using Harmattan.Extractor;

namespace Harmattan.Tests.Simulator;

public class SyntheticAirQinoTests
{
    private static readonly DateTimeOffset End = new(2024, 3, 1, 17, 42, 0, TimeSpan.Zero);
    private static readonly string Station = SyntheticAirQino.StationId(0);

    [Fact]
    public void The_same_seed_gives_byte_identical_json()
    {
        var first = new SyntheticAirQino(42).GenerateDataArray(Station, End, 30);
        var second = new SyntheticAirQino(42).GenerateDataArray(Station, End, 30);

        Assert.Equal(first, second);
        Assert.NotEqual(first, new SyntheticAirQino(43).GenerateDataArray(Station, End, 30));
        Assert.NotEqual(first, new SyntheticAirQino(42).GenerateDataArray(SyntheticAirQino.StationId(1), End, 30));
    }

    [Fact]
    public void A_window_of_the_series_is_the_same_rows_as_that_part_of_the_whole_series()
    {
        var generator = new SyntheticAirQino(7);
        var from = new DateTimeOffset(2024, 2, 10, 0, 0, 0, TimeSpan.Zero);
        var to = from.AddDays(3);
        var whole = AirQinoParser.Parse(generator.GenerateDataArray(Station, End, 60), Station, "whole", from, to);

        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            generator.WriteRows(writer, Station, End, 60, from, to);
            writer.WriteEndArray();
        }
        var window = AirQinoParser.Parse(buffer.WrittenSpan, Station, "window");

        Assert.Equal(whole.Readings.Count, window.RowsReceived);
        Assert.Equal(whole.Readings.Select(r => (r.Hour, string.Join(",", r.Values))), window.Readings.Select(r => (r.Hour, string.Join(",", r.Values))));
    }

    [Fact]
    public void Any_range_however_old_has_the_same_rows_in_every_window_that_holds_them()
    {
        var generator = new SyntheticAirQino(7);
        var from = new DateTimeOffset(2009, 6, 1, 0, 0, 0, TimeSpan.Zero);

        var week = AirQinoParser.Parse(Range(generator, from, from.AddDays(7)), Station, "week", from.AddDays(2), from.AddDays(3));
        var day = AirQinoParser.Parse(Range(generator, from.AddDays(2), from.AddDays(3)), Station, "day");

        Assert.InRange(day.RowsReceived, 18, 26);
        Assert.Equal(week.Readings.Select(r => (r.Hour, string.Join(",", r.Values))), day.Readings.Select(r => (r.Hour, string.Join(",", r.Values))));
    }

    private static byte[] Range(SyntheticAirQino generator, DateTimeOffset from, DateTimeOffset to)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            generator.WriteRange(writer, Station, from, to);
            writer.WriteEndArray();
        }
        return buffer.WrittenSpan.ToArray();
    }

    [Fact]
    public void The_series_ends_with_the_hour_in_progress_and_spans_the_days_asked_for()
    {
        var rows = AirQinoParser.Parse(new SyntheticAirQino(1).GenerateDataArray(Station, End, 30), Station, "synthetic").Readings;

        Assert.True(rows.Max(r => r.Hour) <= new DateTimeOffset(2024, 3, 1, 17, 0, 0, TimeSpan.Zero));
        Assert.True(rows.Min(r => r.Hour) >= new DateTimeOffset(2024, 1, 31, 18, 0, 0, TimeSpan.Zero));
        Assert.Equal(rows.OrderBy(r => r.Hour).Select(r => r.Hour), rows.Select(r => r.Hour));
    }

    [Fact]
    public void A_year_of_data_has_the_quirks_of_the_real_api_and_plausible_values()
    {
        var json = new SyntheticAirQino(3).GenerateDataArray(Station, End, 365);
        var rows = AirQinoParser.Parse(json, Station, "synthetic").Readings;
        var hours = rows.Select(r => r.Hour).ToList();
        var values = rows.SelectMany(r => r.Values).ToList();

        Assert.Contains("\"T. int.\":", System.Text.Encoding.UTF8.GetString(json));
        Assert.Contains("\"PM2.5\":", System.Text.Encoding.UTF8.GetString(json));
        Assert.InRange(hours.Distinct().Count(), 365 * 24 * 0.9, 365 * 24 * 0.99);
        Assert.True(hours.Count > hours.Distinct().Count(), "some timestamps should repeat");
        var days = hours.Select(h => h.Date).ToHashSet();
        Assert.True(days.Count < 365, "some days should be missing entirely");
        Assert.Contains(rows, r => !r.Values.ContainsKey("relative_humidity"));
        Assert.Contains(values, v => v.Value is null);
        Assert.Contains(values, v => v.Value == -999);
        Assert.Contains(values, v => v.Key == "co" && v.Value is < 0 and > -1);

        var real = values.Where(v => v.Value is { } x && x != -999).ToLookup(v => v.Key, v => v.Value!.Value);
        Assert.All(real["co"], x => Assert.InRange(x, -1, 5));
        Assert.All(real["temperature"], x => Assert.InRange(x, 15, 45));
        Assert.All(real["relative_humidity"], x => Assert.InRange(x, 15, 100));
        Assert.All(real["pm2_5"], x => Assert.InRange(x, 0, 500));
        Assert.All(real["o3"], x => Assert.InRange(x, -42, 150));
        // A daily cycle: afternoons are warmer than nights.
        double MeanTemperatureAt(int hour) => rows.Where(r => r.Hour.Hour == hour && r.Values.GetValueOrDefault("temperature") is > 0)
            .Average(r => r.Values["temperature"]!.Value);
        Assert.True(MeanTemperatureAt(15) > MeanTemperatureAt(3) + 4);
    }

    [Fact]
    public void Synthetic_station_ids_start_at_900000001()
    {
        Assert.Equal("900000001", SyntheticAirQino.StationId(0));
        Assert.Equal("900000100", SyntheticAirQino.StationId(99));
    }
}
