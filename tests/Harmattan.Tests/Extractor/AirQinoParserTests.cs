using System.Text;
using Harmattan.Contracts;
using Harmattan.Extractor;

namespace Harmattan.Tests.Extractor;

public class AirQinoParserTests
{
    private const string Station = "283164601";
    private const string Url = "http://airqino.test/v3/getStationHourlyAvg/283164601?start_date=20231201-0000&end_date=20231202-0000";

    private static AirQinoParseResult Parse(string json) => AirQinoParser.Parse(Encoding.UTF8.GetBytes(json), Station, Url);

    [Theory]
    [InlineData(AirQinoSamples.Station1File, "283164601", 8154, 43)]
    [InlineData(AirQinoSamples.Station2File, "283181971", 8029, -1)]
    public void The_recorded_v3_samples_parse_completely(string file, string stationId, int rows, int rowsWithoutRh)
    {
        Assert.SkipWhen(AirQinoSamples.Directory is null, AirQinoSamples.MissingReason);
        var result = AirQinoParser.Parse(File.ReadAllBytes(AirQinoSamples.PathOf(file)), stationId, file);

        Assert.Equal(rows, result.RowsReceived);
        Assert.Equal(0, result.RowsUnparseable);
        Assert.Equal(rows, result.Readings.Count);
        Assert.Equal(new DateTimeOffset(2022, 12, 10, 1, 0, 0, TimeSpan.Zero), result.Readings[0].Hour);
        Assert.Equal(new DateTimeOffset(2023, 12, 10, 0, 0, 0, TimeSpan.Zero), result.Readings[^1].Hour);
        string[] canonical = ["co", "temperature", "internal_temperature", "no2", "o3", "pm10", "pm2_5", "relative_humidity"];
        Assert.All(result.Readings, r => Assert.Subset(canonical.ToHashSet(), r.Values.Keys.ToHashSet()));
        Assert.All(result.Readings, r => Assert.All(r.Values.Values, v => Assert.NotNull(v)));
        Assert.Equal(rows, result.Readings.Count(r => r.Values.ContainsKey("co") && r.Values.ContainsKey("pm2_5")));
        if (rowsWithoutRh >= 0)
        {
            Assert.Equal(rowsWithoutRh, result.Readings.Count(r => !r.Values.ContainsKey("relative_humidity")));
            Assert.Equal(1, result.Readings.Count(r => !r.Values.ContainsKey("no2")));
        }
    }

    [Fact]
    public void The_first_row_of_the_sample_keeps_its_values()
    {
        Assert.SkipWhen(AirQinoSamples.Directory is null, AirQinoSamples.MissingReason);
        var bytes = File.ReadAllBytes(AirQinoSamples.PathOf(AirQinoSamples.Station1File));
        var firstRow = Encoding.UTF8.GetString(bytes, 0, Array.IndexOf(bytes, (byte)'}') + 1) + "]";
        var expected = System.Text.Json.JsonDocument.Parse(firstRow).RootElement[0];

        var reading = AirQinoParser.Parse(bytes, Station, "sample").Readings[0];

        Assert.Equal(expected.GetProperty("CO").GetDouble(), reading.Values["co"]);
        Assert.Equal(expected.GetProperty("PM2.5").GetDouble(), reading.Values["pm2_5"]);
        Assert.Equal(expected.GetProperty("T. int.").GetDouble(), reading.Values["internal_temperature"]);
    }

    [Fact]
    public void A_full_response_with_a_header_reads_like_the_bare_data_array()
    {
        const string rows = """[{"timestamp":"2022-12-10 01:00:00","CO":0.23,"PM2.5":12.5},{"timestamp":"2022-12-10 02:00:00","CO":0.3}]""";
        var bare = Parse(rows);
        var full = Parse($$"""{"header":{"station":"SMART188","lat":5.33,"sensors":["CO","PM2.5"]},"data":{{rows}},"footer":null}""");

        Assert.Equal(2, full.RowsReceived);
        Assert.Equal(bare.Readings.Select(r => (r.Hour, string.Join(",", r.Values))), full.Readings.Select(r => (r.Hour, string.Join(",", r.Values))));
    }

    [Fact]
    public void Known_keys_get_their_canonical_names()
    {
        var reading = Parse("""[{"timestamp":"2022-12-10 01:00:00","CO":1,"NO2":2,"O3":3,"PM10":4,"PM2.5":5,"T":6,"RH":7,"T. int.":8}]""").Readings.Single();

        Assert.Equal(new Dictionary<string, double?>
        {
            ["co"] = 1, ["no2"] = 2, ["o3"] = 3, ["pm10"] = 4, ["pm2_5"] = 5, ["temperature"] = 6, ["relative_humidity"] = 7,
            ["internal_temperature"] = 8,
        }, reading.Values);
    }

    [Fact]
    public void Rows_whose_keys_differ_from_the_row_before_keep_their_own_values()
    {
        var readings = Parse("""
            [{"timestamp":"2022-12-10 01:00:00","CO":1,"PM2.5":2,"RH":3},
             {"timestamp":"2022-12-10 02:00:00","CO":4,"PM2.5":5},
             {"timestamp":"2022-12-10 03:00:00","PM2.5":6,"CO":7,"RH":8,"NO2":9},
             {"timestamp":"2022-12-10 04:00:00","Wind":10,"CO":11},
             {"timestamp":"2022-12-10 05:00:00","CO":12,"PM2.5":13,"RH":14}]
            """).Readings;

        Assert.Equal(
        [
            "co=1,pm2_5=2,relative_humidity=3", "co=4,pm2_5=5", "pm2_5=6,co=7,relative_humidity=8,no2=9", "wind=10,co=11",
            "co=12,pm2_5=13,relative_humidity=14",
        ], readings.Select(r => string.Join(",", r.Values.Select(v => $"{v.Key}={v.Value}"))));
    }

    [Fact]
    public void Two_spellings_of_one_quantity_in_a_row_keep_the_last_value()
    {
        var reading = Parse("""[{"timestamp":"2022-12-10 01:00:00","T. int.":30,"Temp. int.":31.5}]""").Readings.Single();

        Assert.Equal(31.5, Assert.Single(reading.Values).Value);
    }

    [Fact]
    public void The_older_internal_temperature_key_maps_to_the_same_name()
    {
        var reading = Parse("""[{"timestamp":"2022-12-10 01:00:00","Temp. int.":31.5}]""").Readings.Single();
        Assert.Equal(31.5, reading.Values["internal_temperature"]);
    }

    [Fact]
    public void A_null_is_kept_as_a_present_key_without_a_value_and_a_left_out_key_stays_missing()
    {
        var reading = Parse("""[{"timestamp":"2022-12-10 01:00:00","CO":null,"PM2.5":9.5}]""").Readings.Single();

        Assert.True(reading.Values.ContainsKey("co"));
        Assert.Null(reading.Values["co"]);
        Assert.Equal(9.5, reading.Values["pm2_5"]);
        Assert.False(reading.Values.ContainsKey("relative_humidity"));
    }

    [Fact]
    public void Unknown_keys_are_kept_under_a_snake_case_name()
    {
        var reading = Parse("""[{"timestamp":"2022-12-10 01:00:00","Wind Speed":3.2,"SO2":1.5,"noiseLevel":40,"VOC (ppb)":7}]""").Readings.Single();

        Assert.Equal(3.2, reading.Values["wind_speed"]);
        Assert.Equal(1.5, reading.Values["so2"]);
        Assert.Equal(40, reading.Values["noise_level"]);
        Assert.Equal(7, reading.Values["voc_ppb"]);
    }

    [Fact]
    public void Numbers_sent_as_strings_booleans_objects_or_arrays_become_null_values()
    {
        var reading = Parse("""[{"timestamp":"2022-12-10 01:00:00","CO":"0.23","NO2":true,"O3":{"v":1},"PM10":[1,2],"PM2.5":4}]""").Readings.Single();

        Assert.Equal(5, reading.Values.Count);
        Assert.All(new[] { "co", "no2", "o3", "pm10" }, key => Assert.Null(reading.Values[key]));
        Assert.Equal(4, reading.Values["pm2_5"]);
    }

    [Theory]
    [InlineData("2022-12-10 01:00:00")]
    [InlineData("2022-12-10T01:00:00")]
    [InlineData("2022-12-10T01:00:00Z")]
    [InlineData("2022-12-10T02:00:00+01:00")]
    [InlineData("2022-12-10T01:00:00.000Z")]
    public void Timestamps_are_read_as_UTC_hour_starts_in_both_spellings(string timestamp)
    {
        var reading = Parse($$"""[{"timestamp":"{{timestamp}}","CO":1}]""").Readings.Single();
        Assert.Equal(new DateTimeOffset(2022, 12, 10, 1, 0, 0, TimeSpan.Zero), reading.Hour);
    }

    [Fact]
    public void Rows_without_a_usable_timestamp_are_skipped_and_counted()
    {
        var result = Parse("""
            [{"timestamp":"2022-12-10 01:00:00","CO":1},
             {"CO":2},
             {"timestamp":"yesterday","CO":3},
             {"timestamp":1670634000,"CO":4},
             {"timestamp":"2022-12-10 01:30:00","CO":5},
             {"timestamp":"2022-13-10 01:00:00","CO":6},
             42,
             {"timestamp":"2022-12-10 02:00:00","CO":7}]
            """);

        Assert.Equal(8, result.RowsReceived);
        Assert.Equal(6, result.RowsUnparseable);
        Assert.Equal([1.0, 7.0], result.Readings.Select(r => r.Values["co"]!.Value));
    }

    [Fact]
    public void Repeated_timestamps_are_kept_in_source_order()
    {
        var result = Parse("""[{"timestamp":"2022-12-10 01:00:00","CO":1},{"timestamp":"2022-12-10 01:00:00","CO":2}]""");
        Assert.Equal([1.0, 2.0], result.Readings.Select(r => r.Values["co"]!.Value));
    }

    [Fact]
    public void Only_rows_whose_hour_starts_inside_the_window_are_kept()
    {
        var json = """
            [{"timestamp":"2022-12-09 23:00:00","CO":1},{"timestamp":"2022-12-10 00:00:00","CO":2},
             {"timestamp":"2022-12-10 23:00:00","CO":3},{"timestamp":"2022-12-11 00:00:00","CO":4}]
            """;
        var result = AirQinoParser.Parse(Encoding.UTF8.GetBytes(json), Station, Url,
            new DateTimeOffset(2022, 12, 10, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2022, 12, 11, 0, 0, 0, TimeSpan.Zero));

        Assert.Equal(4, result.RowsReceived);
        Assert.Equal([2.0, 3.0], result.Readings.Select(r => r.Values["co"]!.Value));
    }

    [Fact]
    public void A_response_repeating_its_hours_far_beyond_a_few_repeats_is_refused_naming_the_bound_before_it_fills_the_heap()
    {
        var dayStart = new DateTimeOffset(2022, 12, 10, 0, 0, 0, TimeSpan.Zero);
        AirQinoParseResult ParseDay(int rows) => AirQinoParser.Parse(Encoding.UTF8.GetBytes(
                "[" + string.Join(',', [.. Enumerable.Repeat("""{"timestamp":"2022-12-10 01:00:00","CO":1}""", rows),
                    // Rows outside the window are not kept, so they do not count.
                    .. Enumerable.Repeat("""{"timestamp":"2022-12-11 01:00:00","CO":1}""", 200)]) + "]"),
            Station, Url, dayStart, dayStart.AddDays(1));

        Assert.Equal(24 * AirQinoParser.MaxRowsPerHour, ParseDay(24 * AirQinoParser.MaxRowsPerHour).Readings.Count);
        var error = Assert.Throws<AirQinoResponseException>(() => ParseDay(24 * AirQinoParser.MaxRowsPerHour + 1));
        Assert.Contains("has more than 96 rows inside its window of 24 hours (at most 4 per hour; AirQino sends one)", error.Message);
    }

    [Fact]
    public void A_row_of_thousands_of_keys_or_an_answer_naming_hundreds_of_quantities_is_refused_not_stored()
    {
        static string Row(int hour, IEnumerable<string> keys) =>
            $$"""{"timestamp":"2022-12-10 {{hour:00}}:00:00",{{string.Join(',', keys.Select(k => $"\"{k}\":1"))}}}""";
        AirQinoParseResult Parse(params string[] rows) => AirQinoParser.Parse(Encoding.UTF8.GetBytes("[" + string.Join(',', rows) + "]"), Station, Url);

        // As many quantities as allowed, over rows of different keys: each stored.
        var allowed = Parse([.. Enumerable.Range(0, 16).Select(h => Row(h, Enumerable.Range(0, AirQinoParser.MaxQuantities / 16).Select(k => $"k{h}x{k}")))]);
        Assert.Equal(AirQinoParser.MaxQuantities, allowed.Readings.SelectMany(r => r.Values.Keys).Distinct().Count());
        // A row may repeat a key (the last wins) up to the bound.
        Assert.Single(Parse(Row(1, Enumerable.Repeat("CO", AirQinoParser.MaxKeysPerRow))).Readings);

        var wide = Assert.Throws<AirQinoResponseException>(() => Parse(Row(1, Enumerable.Repeat("CO", AirQinoParser.MaxKeysPerRow + 1))));
        Assert.Contains("has a row of more than 512 keys (row 1; AirQino's rows have about fifteen)", wide.Message);
        Assert.Contains("nothing of this answer was stored", wide.Message);
        // Refused as its 513th key is read: the rest of a row of 300,000 (3.5 MB) is not looked up.
        var huge = Assert.Throws<AirQinoResponseException>(() => Parse(Row(1, Enumerable.Range(0, 300_000).Select(k => $"k{k}"))));
        Assert.Contains("has a row of more than 512 keys", huge.Message);

        var many = Assert.Throws<AirQinoResponseException>(() =>
            Parse([.. Enumerable.Range(0, 17).Select(h => Row(h, Enumerable.Range(0, AirQinoParser.MaxQuantities / 16).Select(k => $"k{h}x{k}")))]));
        Assert.Contains("names more than 256 quantities across its rows (AirQino's name about fifteen; among them: k0x0, k0x1, k0x10, k0x11, k0x12)", many.Message);
    }

    [Theory]
    [InlineData("<html><body>502 Bad Gateway</body></html>", "is not JSON (starts with '<html><body>502 Bad Gateway</body></html>')")]
    [InlineData("", "is empty")]
    [InlineData("""{"header":{},"data":[{"timestamp":"2022-12-10 01:00:00","CO":0.2""", "is truncated JSON")]
    [InlineData("""[{"timestamp":"2022-12-10 01:00:00","CO":0.2},""", "is truncated JSON")]
    [InlineData("""{"header":{},"data":[]}""", "has no rows in its data array")]
    [InlineData("[]", "has no rows in its data array")]
    [InlineData("""{"header":{},"data":{"timestamp":"2022-12-10 01:00:00"}}""", "its \"data\" is an object, not an array")]
    [InlineData("""{"error":"unknown station","status":404}""", "without a \"data\" array (properties: error, status)")]
    [InlineData("""[{"timestamp":1670634000,"CO":1},{"timestamp":1670637600,"CO":2}]""", "has 2 rows but none with a timestamp")]
    [InlineData("""[{"timestamp":"2022-12-10 01:00:00"}] trailing""", "is not valid JSON")]
    [InlineData("""[{"timestamp":"2022-12-10 01:00:00",}]""", "is not valid JSON")]
    [InlineData("""[{"timestamp":"2022-12-10 01:00:00","CO":0.2},{"timestamp":"2022-12-10 02:00:00","CO":NaN}]""",
        "is not valid JSON in row 2 of its data")]
    [InlineData("""[{"timestamp":"2022-12-10 01:30:00","CO":1},{"timestamp":"2022-12-10 02:30:00","CO":2}]""",
        "has 2 rows, none with the start of an hour as timestamp (first: \"2022-12-10 01:30:00\")")]
    public void A_body_that_is_not_an_hourly_response_fails_naming_the_station_and_the_url(string body, string reason)
    {
        var error = Assert.Throws<AirQinoResponseException>(() => Parse(body));

        Assert.Contains($"station {Station}", error.Message);
        Assert.Contains(Url, error.Message);
        Assert.Contains(reason, error.Message);
        Assert.Equal(Station, error.StationId);
        Assert.Equal(Url, error.RequestUrl);
    }

    private const string ForgedLogLine = "\\n[14:41:00 ERR] Forged line\\r\\u2028";

    [Fact]
    public void A_timestamp_the_response_quotes_back_can_neither_forge_a_log_line_nor_fill_the_log()
    {
        var forged = $"oops{ForgedLogLine}{new string('x', 1_000_000)}";
        var partly = Parse($$"""[{"timestamp":"2022-12-10 01:00:00","CO":1},{"timestamp":"{{forged}}","CO":2}]""");
        var error = Assert.Throws<AirQinoResponseException>(() => Parse($$"""[{"timestamp":"{{forged}}","CO":2}]"""));

        Assert.Equal("\"oops [14:41:00 ERR] Forged line  xxxxxxxxxxxxxxx...\"", partly.FirstUnparseable);
        Assert.Contains("(first: \"oops [14:41:00 ERR] Forged line  xxxxxxxxxxxxxxx...\")", error.Message);
        Assert.True(error.Message.Length < 1000, $"{error.Message.Length:N0} characters");
    }

    [Fact]
    public void The_property_names_of_a_response_without_data_can_neither_forge_a_log_line_nor_fill_the_log()
    {
        var error = Assert.Throws<AirQinoResponseException>(() =>
            Parse($$"""{"error{{ForgedLogLine}}{{new string('x', 1_000_000)}}":1,"status":404}"""));

        Assert.Contains("(properties: error [14:41:00 ERR] Forged line  xxxxxxxxxxxxxx..., status)", error.Message);
        Assert.True(error.Message.Length < 1000, $"{error.Message.Length:N0} characters");
    }

    [Theory]
    [InlineData("""[{"timestamp":"2022-12-10 01:00:00","CO":NaN}]""")]
    [InlineData("""[{"timestamp":"2022-12-10 01:30:00","CO":1}]""")]
    public void A_response_whose_rows_came_does_not_send_the_user_to_check_the_address(string body)
    {
        var error = Assert.Throws<AirQinoResponseException>(() => Parse(body));

        Assert.DoesNotContain("AirQino:BaseUrl", error.Message);
        Assert.Contains("nothing of", error.Message);
    }

    [Fact]
    public void A_stream_parses_like_its_bytes()
    {
        var json = """[{"timestamp":"2022-12-10 01:00:00","CO":0.5}]""";
        var result = AirQinoParser.Parse(new MemoryStream(Encoding.UTF8.GetBytes(json)), Station, Url);
        Assert.Equal(0.5, result.Readings.Single().Values["co"]);
    }

    [Theory]
    [InlineData("CO", "co")]
    [InlineData("PM2.5", "pm2_5")]
    [InlineData("T. int.", "internal_temperature")]
    [InlineData("Temp. int.", "internal_temperature")]
    [InlineData("RH", "relative_humidity")]
    [InlineData("T", "temperature")]
    [InlineData("PM1", "pm1")]
    [InlineData("Wind-Direction", "wind_direction")]
    [InlineData("batteryVoltage", "battery_voltage")]
    [InlineData("  NH3  ", "nh3")]
    public void Source_keys_map_to_canonical_quantity_names(string sourceKey, string canonical) =>
        Assert.Equal(canonical, AirQinoKeys.Canonical(sourceKey));

    [Theory]
    [InlineData("$set")]
    [InlineData("a.b")]
    [InlineData("__PM__2.5__")]
    [InlineData("Été Température")]
    [InlineData("NO2 (µg/m³)")]
    [InlineData("x\ny")]
    public void Every_name_the_extractor_gives_passes_the_loaders_quantity_name_rule(string sourceKey)
    {
        var canonical = AirQinoKeys.Canonical(sourceKey);
        Assert.True(QuantityNames.IsCanonical(canonical), $"'{sourceKey}' became '{canonical}'");
    }
}
