using System.Text.Json;
using Harmattan.Contracts;
using Harmattan.Hosting;

namespace Harmattan.Tests.Contracts;

public class QuantityMapTests
{
    private static readonly JsonSerializerOptions Json = MessageJson.Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    [Fact]
    public void A_map_answers_like_a_dictionary_in_key_order()
    {
        var map = new QuantityMap<double?>(new QuantityKeys(["pm2_5", "co"]), [12.5, null]);

        Assert.Equal(2, map.Count);
        Assert.Equal(12.5, map["pm2_5"]);
        Assert.True(map.ContainsKey("co"));
        Assert.Null(map["co"]);
        Assert.False(map.TryGetValue("pm10", out _));
        var missing = Assert.Throws<KeyNotFoundException>(() => map["pm10"]);
        Assert.Contains("pm10", missing.Message);
        Assert.Equal(["pm2_5", "co"], map.Select(e => e.Key));
    }

    [Fact]
    public void Keys_must_be_distinct_and_values_one_per_key()
    {
        var twice = Assert.Throws<ArgumentException>(() => new QuantityKeys(["co", "co"]));
        Assert.Contains("\"co\" appears twice", twice.Message);
        Assert.Throws<ArgumentException>(() => new QuantityMap<double?>(new QuantityKeys(["co"]), [1, 2]));
    }

    [Fact]
    public void Key_sets_with_the_same_names_in_the_same_order_are_equal()
    {
        Assert.Equal(new QuantityKeys(["co", "o3"]), new QuantityKeys(["co", "o3"]));
        Assert.Equal(new QuantityKeys(["co", "o3"]).GetHashCode(), new QuantityKeys(["co", "o3"]).GetHashCode());
        Assert.NotEqual(new QuantityKeys(["co", "o3"]), new QuantityKeys(["o3", "co"]));
    }

    [Fact]
    public void Json_reads_and_writes_the_same_object_a_dictionary_gives()
    {
        var reading = new RawReading
        {
            Hour = new DateTimeOffset(2023, 12, 1, 5, 0, 0, TimeSpan.Zero),
            Values = new Dictionary<string, double?> { ["co"] = 0.25, ["pm2_5"] = null, ["relative_humidity"] = 71 },
        };

        var json = JsonSerializer.Serialize(reading, Json);
        var read = JsonSerializer.Deserialize<RawReading>(json, Json)!;

        Assert.Equal("""{"hour":"2023-12-01T05:00:00+00:00","values":{"co":0.25,"pm2_5":null,"relative_humidity":71}}""", json);
        Assert.IsType<QuantityMap<double?>>(read.Values);
        Assert.Equal(reading.Values, read.Values);
        Assert.Equal(json, JsonSerializer.Serialize(read, Json));
    }

    [Fact]
    public void Rows_read_one_after_another_share_their_key_set_while_the_names_repeat()
    {
        const string json = """
            [{"hour":"2023-12-01T00:00:00Z","values":{"co":1,"o3":2}},
             {"hour":"2023-12-01T01:00:00Z","values":{"co":3,"o3":4}},
             {"hour":"2023-12-01T02:00:00Z","values":{"co":5}},
             {"hour":"2023-12-01T03:00:00Z","values":{"o3":6,"co":7,"no2":8}}]
            """;

        var rows = JsonSerializer.Deserialize<List<RawReading>>(json, Json)!.Select(r => (QuantityMap<double?>)r.Values).ToList();

        Assert.Same(rows[0].Keys, rows[1].Keys);
        Assert.Equal(["co"], rows[2].Keys.Names);
        Assert.Equal(["o3", "co", "no2"], rows[3].Keys.Names);
        Assert.Equal([6, 7, 8], rows[3].Select(e => e.Value));
        Assert.Equal([3, 4], rows[1].Select(e => e.Value));
    }

    [Fact]
    public void A_name_repeated_in_one_object_keeps_its_last_value_as_a_dictionary_would()
    {
        var read = JsonSerializer.Deserialize<RawReading>("""{"hour":"2023-12-01T00:00:00Z","values":{"co":1,"o3":2,"co":3}}""", Json)!;

        Assert.Equal(2, read.Values.Count);
        Assert.Equal(3, read.Values["co"]);
        Assert.Equal(2, read.Values["o3"]);
    }

    [Fact]
    public void Averages_round_trip_with_their_statistics()
    {
        var hour = new HourlyAverage
        {
            Hour = new DateTimeOffset(2023, 12, 1, 0, 0, 0, TimeSpan.Zero),
            Quantities = new QuantityMap<QuantityStats>(new QuantityKeys(["co", "o3"]),
                [new QuantityStats { Mean = 1, Min = 1, Max = 1, Count = 1, Rejected = 0 }, new QuantityStats { Count = 0, Rejected = 1 }]),
        };

        var read = JsonSerializer.Deserialize<HourlyAverage>(JsonSerializer.Serialize(hour, Json), Json)!;

        Assert.Equal(hour.Quantities, read.Quantities);
    }

    [Fact]
    public void Something_other_than_an_object_is_refused_naming_what_was_found()
    {
        var error = Assert.Throws<JsonException>(() =>
            JsonSerializer.Deserialize<RawReading>("""{"hour":"2023-12-01T00:00:00Z","values":[1,2]}""", Json));
        Assert.Contains("StartArray", error.Message);
    }
}
