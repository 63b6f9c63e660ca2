using System.Text.Json;
using Harmattan.Contracts;
using Harmattan.Hosting;

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
}
