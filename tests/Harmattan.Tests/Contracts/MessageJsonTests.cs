using System.Text;
using System.Text.Json;
using Harmattan.Contracts;
using Harmattan.Hosting;
using Harmattan.Stations;

namespace Harmattan.Tests.Contracts;

public class MessageJsonTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static RawReadingsFetched Fetch() => new()
    {
        FetchId = Guid.Parse("1bbf9c0b-4463-87d9-86e5-81c4c5fc2b1d"),
        StationId = "900000001",
        WindowStart = Start,
        WindowEnd = Start.AddDays(1),
        Source = "synthetic:900000001",
        FetchedAt = Start.AddDays(2),
        Readings =
        [
            new RawReading { Hour = Start, Values = new Dictionary<string, double?> { ["co"] = 0.25, ["o3"] = null, ["pm10"] = -999 } },
            new RawReading { Hour = Start.AddHours(1), Values = new Dictionary<string, double?> { ["co"] = -0.5 } },
        ],
    };

    [Fact]
    public void Messages_go_on_the_wire_without_indentation_and_keep_their_nulls()
    {
        var body = MassTransitJson.Serialize(Fetch());

        Assert.DoesNotContain((byte)'\n', body);
        var back = MassTransitJson.Deserialize<RawReadingsFetched>(body);
        Assert.Equal(Fetch().FetchId, back.FetchId);
        Assert.Equal(2, back.Readings.Count);
        Assert.Equal(Fetch().Readings[0].Values, back.Readings[0].Values);
        Assert.Null(back.Readings[0].Values["o3"]);
        Assert.Equal(-0.5, back.Readings[1].Values["co"]);
    }

    [Fact]
    public void Message_options_are_applied_even_when_the_shared_options_are_already_in_use()
    {
        var inUse = new JsonSerializerOptions { WriteIndented = true };
        inUse.MakeReadOnly(populateMissingResolver: true);

        var message = MessageJson.Configure(inUse);

        Assert.False(message.WriteIndented);
        Assert.True(inUse.WriteIndented);
        var writable = new JsonSerializerOptions { WriteIndented = true };
        Assert.Same(writable, MessageJson.Configure(writable));
        Assert.False(writable.WriteIndented);
        Assert.Same(writable, MessageJson.Configure(writable));
        Assert.Equal(2, writable.Converters.Count(c => c is QuantityMapJsonConverter<double?> or QuantityMapJsonConverter<QuantityStats>));
    }

    [Fact]
    public void Quantity_maps_come_back_as_maps_that_share_their_key_set_row_after_row()
    {
        var back = MassTransitJson.Deserialize<RawReadingsFetched>(MassTransitJson.Serialize(Fetch()));

        Assert.IsType<QuantityMap<double?>>(back.Readings[0].Values);
        Assert.IsType<QuantityMap<double?>>(back.Readings[1].Values);
    }

    [Fact]
    public void A_fetch_that_the_first_builds_left_in_a_queue_is_read_and_passes_the_message_rules()
    {
        // Messages wait in their queues across an upgrade (and in the _error queues until redriven): this body is one the
        // builds of 2026-11-29 sent, and each field the message has gained since has a default.
        var back = MassTransitJson.Deserialize<RawReadingsFetched>(Envelope("RawReadingsFetched", """
            {"fetchId":"6f1e0a52-9d1c-4a53-8b1e-3c0b8f6a2d11","stationId":"283164601",
             "windowStart":"2026-12-05T00:00:00+00:00","windowEnd":"2026-12-07T00:00:00+00:00","timeZone":"UTC",
             "source":"http://127.0.0.1:1/v3/getStationHourlyAvg/283164601?start_date=20261205-0000&end_date=20261207-0000",
             "fetchedAt":"2026-12-06T13:02:00+00:00",
             "readings":[{"hour":"2026-12-05T00:00:00+00:00","values":{"co":0,"o3":null,"pm2_5":40.5}},
                         {"hour":"2026-12-05T01:00:00+00:00","values":{"co":0.25,"o3":null,"pm2_5":41.5}}]}
            """));

        Assert.Null(MessageRules.ProblemOf(back));
        Assert.Equal(Guid.Parse("6f1e0a52-9d1c-4a53-8b1e-3c0b8f6a2d11"), back.FetchId);
        Assert.Equal(new DateTimeOffset(2026, 12, 6, 13, 2, 0, TimeSpan.Zero), back.FetchedAt);
        Assert.Equal(2, back.Readings.Count);
        Assert.Null(back.Readings[0].Values["o3"]);
        Assert.Equal(41.5, back.Readings[1].Values["pm2_5"]);
    }

    [Fact]
    public void Averages_that_the_first_builds_left_in_a_queue_are_read_and_pass_the_message_rules()
    {
        var back = MassTransitJson.Deserialize<AveragesComputed>(Envelope("AveragesComputed", """
            {"stationId":"283164601","windowStart":"2026-12-05T00:00:00+00:00","windowEnd":"2026-12-07T00:00:00+00:00",
             "timeZone":"UTC","sourceFetchId":"6f1e0a52-9d1c-4a53-8b1e-3c0b8f6a2d11","sourceFetchedAt":"2026-12-06T13:02:00+00:00",
             "algorithmVersion":1,
             "hourly":[{"hour":"2026-12-05T00:00:00+00:00","quantities":{
               "co":{"mean":0.5,"min":0.5,"max":0.5,"count":1,"rejected":0},
               "o3":{"mean":null,"min":null,"max":null,"count":0,"rejected":1}}}],
             "daily":[{"date":"2026-12-05","hoursCovered":1,"hoursInDay":24,"completeness":0.041666666666666664,"isComplete":false,
                       "quantities":{"co":{"mean":0.5,"min":0.5,"max":0.5,"count":1,"rejected":0},
                                     "o3":{"mean":null,"min":null,"max":null,"count":0,"rejected":1}}},
                      {"date":"2026-12-06","hoursCovered":0,"hoursInDay":24,"completeness":0,"isComplete":false,"quantities":{}}]}
            """));

        Assert.Null(MessageRules.ProblemOf(back));
        Assert.Equal(0.5, back.Hourly[0].Quantities["co"].Mean);
        Assert.Null(back.Hourly[0].Quantities["o3"].Mean);
        Assert.Equal(1, back.Hourly[0].Quantities["o3"].Rejected);
        Assert.Equal(DayCoverage.Incomplete, back.Daily[0].Coverage());
        Assert.Equal(DayCoverage.MissingAtSource, back.Daily[1].Coverage());
    }

    private static byte[] Envelope(string messageType, string message) => Encoding.UTF8.GetBytes($$$"""
        {"messageId":"0d000000-ac12-0242-0000-08dd1234abcd","conversationId":"0d000000-ac12-0242-0000-08dd1234abce",
         "sourceAddress":"rabbitmq://localhost/extractor","destinationAddress":"rabbitmq://localhost/Harmattan.Contracts:{{{messageType}}}",
         "messageType":["urn:message:Harmattan.Contracts:{{{messageType}}}"],"message":{{{message}}},
         "sentTime":"2026-12-06T13:02:00.5Z","headers":{},"host":{"machineName":"old"}}
        """);
}
