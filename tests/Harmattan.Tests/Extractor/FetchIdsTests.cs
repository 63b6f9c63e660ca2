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
    public void The_id_of_the_same_content_never_changes_between_versions()
    {
        // Stored fetches are recognised by this id: an implementation change must not change it.
        Assert.Equal(Guid.Parse("1bbf9c0b-4463-87d9-86e5-81c4c5fc2b1d"), FetchIds.For("283164601", Start, End, Readings()));
    }

    [Fact]
    public void Rows_with_other_keys_after_a_row_are_hashed_by_their_own_keys()
    {
        List<RawReading> pm10First =
        [
            new() { Hour = Start, Values = new Dictionary<string, double?> { ["pm10"] = 1, ["co"] = 2 } },
            new() { Hour = Start.AddHours(1), Values = new Dictionary<string, double?> { ["pm2_5"] = 1, ["co"] = 2 } },
        ];
        List<RawReading> sortedKeys =
        [
            new() { Hour = Start, Values = new Dictionary<string, double?> { ["co"] = 2, ["pm10"] = 1 } },
            new() { Hour = Start.AddHours(1), Values = new SortedList<string, double?>(StringComparer.Ordinal) { ["co"] = 2, ["pm2_5"] = 1 } },
        ];
        List<RawReading> sameKeysSecondRow =
        [
            new() { Hour = Start, Values = new Dictionary<string, double?> { ["pm10"] = 1, ["co"] = 2 } },
            new() { Hour = Start.AddHours(1), Values = new Dictionary<string, double?> { ["pm10"] = 1, ["co"] = 2 } },
        ];

        Assert.Equal(FetchIds.For("283164601", Start, End, pm10First), FetchIds.For("283164601", Start, End, sortedKeys));
        Assert.NotEqual(FetchIds.For("283164601", Start, End, pm10First), FetchIds.For("283164601", Start, End, sameKeysSecondRow));
    }

    [Fact]
    public void The_id_is_a_version_8_guid()
    {
        var id = FetchIds.For("283164601", Start, End, []);
        Assert.Equal(8, id.Version);
    }
}
