using Harmattan.Contracts;
using Harmattan.Extractor;

namespace Harmattan.Tests.Extractor;

public class FetchIdsTests
{
    private static readonly DateTimeOffset Start = new(2023, 12, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset End = Start.AddDays(7);

    private static List<RawReading> Readings(double co = 0.25, string key = "pm2_5") =>
    [
        new() { Hour = Start, Values = new Dictionary<string, double?> { ["co"] = co, [key] = 12.5, ["rh"] = null } },
        new() { Hour = Start.AddHours(1), Values = new Dictionary<string, double?> { ["co"] = 0.3 } },
    ];

    [Fact]
    public void The_same_station_window_and_readings_give_the_same_id()
    {
        var reordered = Readings();
        reordered[0] = reordered[0] with { Values = reordered[0].Values.Reverse().ToDictionary() };

        Assert.Equal(FetchIds.For("283164601", Start, End, Readings()), FetchIds.For("283164601", Start, End, reordered));
    }

    [Fact]
    public void Any_difference_gives_another_id()
    {
        var id = FetchIds.For("283164601", Start, End, Readings());

        Assert.NotEqual(id, FetchIds.For("283181971", Start, End, Readings()));
        Assert.NotEqual(id, FetchIds.For("283164601", Start, End.AddDays(-1), Readings()));
        Assert.NotEqual(id, FetchIds.For("283164601", Start, End, Readings(co: 0.2500001)));
        Assert.NotEqual(id, FetchIds.For("283164601", Start, End, Readings(key: "pm10")));
        Assert.NotEqual(id, FetchIds.For("283164601", Start, End, Readings().Take(1).ToList()));
        Assert.NotEqual(id, FetchIds.For("283164601", Start, End, [.. Readings().AsEnumerable().Reverse()]));
    }

    [Fact]
    public void The_id_is_a_version_8_guid()
    {
        var id = FetchIds.For("283164601", Start, End, []);
        Assert.Equal(8, id.Version);
    }
}
