using System.Text;
using System.Text.Json;
using Harmattan.Contracts;
using Harmattan.Hosting;
using Harmattan.Testing;
using MassTransit.Serialization;

namespace Harmattan.Tests.Contracts;

public class QuantityStatsJsonTests
{
    private static readonly JsonSerializerOptions BusOptions =
        MessageJson.Configure(new JsonSerializerOptions(SystemTextJsonMessageSerializer.Options));

    private static readonly DateTimeOffset Hour = new(2025, 1, 1, 5, 0, 0, TimeSpan.Zero);

    private static AveragesComputed Averages(IReadOnlyDictionary<string, QuantityStats> hourly, IReadOnlyDictionary<string, QuantityStats> daily) => new()
    {
        StationId = "900000001",
        WindowStart = Hour.AddHours(-5),
        WindowEnd = Hour.AddHours(19),
        SourceFetchId = Guid.Parse("1bbf9c0b-4463-87d9-86e5-81c4c5fc2b1d"),
        SourceFetchedAt = Hour.AddDays(1),
        AlgorithmVersion = 2,
        Hourly = [new HourlyAverage { Hour = Hour, Quantities = hourly }],
        Daily = [new DailyAverage { Date = new DateOnly(2025, 1, 1), HoursCovered = 1, HoursInDay = 24, Completeness = 1 / 24.0, IsComplete = false, Quantities = daily }],
    };

    private static QuantityStats One(double value) => new() { Mean = value, Min = value, Max = value, Count = 1, Rejected = 0 };

    [Fact]
    public void An_hour_of_one_accepted_value_goes_on_the_wire_as_that_number_and_comes_back_whole()
    {
        var message = Averages(new Dictionary<string, QuantityStats> { ["co"] = One(0.1 + 0.2), ["pm2_5"] = One(-3.5e-7) },
            new Dictionary<string, QuantityStats> { ["co"] = One(0.1 + 0.2) });

        var body = MassTransitJson.Serialize(message);

        Assert.Contains("\"co\":0.30000000000000004", Encoding.UTF8.GetString(body));
        Assert.DoesNotContain("\"mean\"", Encoding.UTF8.GetString(body));
        var back = MassTransitJson.Deserialize<AveragesComputed>(body);
        Assert.Equal(message.Hourly[0].Quantities, back.Hourly[0].Quantities);
        Assert.Equal(One(0.1 + 0.2), back.Daily[0].Quantities["co"]);
    }

    [Fact]
    public void Statistics_of_several_values_or_of_rejected_values_keep_the_object_form_and_round_trip_exactly()
    {
        var several = new QuantityStats { Mean = 2.0 / 3, Min = 0.25, Max = 1.5, Count = 3, Rejected = 1 };
        var rejected = new QuantityStats { Count = 0, Rejected = 1 };
        var sameValueTwice = new QuantityStats { Mean = 4, Min = 4, Max = 4, Count = 2, Rejected = 0 };
        var message = Averages(new Dictionary<string, QuantityStats> { ["co"] = rejected, ["no2"] = One(12) },
            new Dictionary<string, QuantityStats> { ["co"] = several, ["no2"] = sameValueTwice });

        var json = Encoding.UTF8.GetString(MassTransitJson.Serialize(message));
        var back = MassTransitJson.Deserialize<AveragesComputed>(Encoding.UTF8.GetBytes(json));

        Assert.Contains("\"co\":{\"count\":0,\"rejected\":1}", json);
        Assert.Contains("\"no2\":{\"mean\":4,\"min\":4,\"max\":4,\"count\":2,\"rejected\":0}", json);
        Assert.Equal(rejected, back.Hourly[0].Quantities["co"]);
        Assert.Equal(One(12), back.Hourly[0].Quantities["no2"]);
        Assert.Equal(several, back.Daily[0].Quantities["co"]);
        Assert.Equal(sameValueTwice, back.Daily[0].Quantities["no2"]);
    }

    [Fact]
    public void Statistics_written_as_objects_before_the_short_form_still_read_with_nulls_and_any_letter_case()
    {
        const string json = """{"co":{"mean":0.5,"min":0.5,"max":0.5,"count":1,"rejected":0},"o3":{"Mean":null,"MIN":null,"max":null,"Count":0,"rejected":2,"note":"x"}}""";

        var back = JsonSerializer.Deserialize<IReadOnlyDictionary<string, QuantityStats>>(json, BusOptions)!;

        Assert.Equal(One(0.5), back["co"]);
        Assert.Equal(new QuantityStats { Count = 0, Rejected = 2 }, back["o3"]);
    }

    [Theory]
    [InlineData("""{"co":"0.5"}""", "found String")]
    [InlineData("""{"co":{"mean":0.5}}""", "'count' and 'rejected'")]
    public void Statistics_that_are_neither_a_number_nor_complete_are_refused_with_the_reason(string json, string reason)
    {
        var error = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<IReadOnlyDictionary<string, QuantityStats>>(json, BusOptions));

        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void The_object_form_writes_each_statistic_as_the_json_writer_would_equal_values_sharing_one_text()
    {
        var random = new Random(20261130);
        var values = new List<double> { 0, -0.0, 0.1 + 0.2, double.Epsilon, double.MaxValue, double.MinValue, 1e21, 1e-7, 12, -3.5e-7 };
        for (var i = 0; i < 2000; i++)
            values.Add(BitConverter.Int64BitsToDouble(random.NextInt64()) is var bits && double.IsFinite(bits) ? bits : random.NextDouble() * 1000);
        for (var i = 0; i < values.Count; i++)
        {
            var same = values[i];
            var other = values[(i + 1) % values.Count];
            foreach (var stats in new[]
            {
                new QuantityStats { Mean = same, Min = same, Max = same, Count = 2, Rejected = 1 },
                new QuantityStats { Mean = same, Min = other, Max = same, Count = 3, Rejected = 0 },
                new QuantityStats { Mean = null, Min = other, Max = same, Count = 0, Rejected = 4 },
                new QuantityStats { Mean = -same, Min = other, Max = same, Count = int.MaxValue, Rejected = int.MinValue },
            })
                Assert.Equal(Expected(stats), Written(stats));
        }

        static string Written(QuantityStats stats) => Json(writer => QuantityStatsJsonConverter.WriteObject(writer, stats));

        static string Expected(QuantityStats stats) => Json(writer =>
        {
            writer.WriteStartObject();
            if (stats.Mean is { } mean) writer.WriteNumber("mean", mean);
            if (stats.Min is { } min) writer.WriteNumber("min", min);
            if (stats.Max is { } max) writer.WriteNumber("max", max);
            writer.WriteNumber("count", stats.Count);
            writer.WriteNumber("rejected", stats.Rejected);
            writer.WriteEndObject();
        });

        static string Json(Action<Utf8JsonWriter> write)
        {
            using var stream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(stream))
                write(writer);
            return Encoding.UTF8.GetString(stream.ToArray());
        }
    }

    [Fact]
    public void A_statistic_that_is_not_a_finite_number_is_refused_by_the_object_form()
    {
        using var writer = new Utf8JsonWriter(new MemoryStream());

        var error = Assert.Throws<ArgumentException>(() => QuantityStatsJsonConverter.WriteObject(writer,
            new QuantityStats { Mean = 1, Min = double.NegativeInfinity, Max = 1, Count = 1, Rejected = 0 }));

        Assert.Contains("'min' is -Infinity", error.Message);
    }
}
