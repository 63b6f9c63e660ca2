using Harmattan.Cli.Pipeline;

namespace Harmattan.Tests.Cli;

public sealed class StoredStationsTests
{
    [Fact]
    public void A_stored_station_or_an_empty_store_gets_no_note()
    {
        Assert.Equal("", StoredStations.NotStoredNote("283164601", configured: false, lastFetchedAt: null, ["283164601", "283181971"]));
        Assert.Equal("", StoredStations.NotStoredNote("283164601", configured: false, lastFetchedAt: null, []));
    }

    [Fact]
    public void Only_the_nearest_stored_ids_are_named_and_at_most_three_of_them()
    {
        Assert.Equal(" The store holds no day of station 900000012, but holds 3 other stations: did you mean 900000021? Check --station.",
            StoredStations.NotStoredNote("900000012", configured: false, lastFetchedAt: null, ["900000021", "900000033", "283164601"]));
        Assert.Equal(" The store holds no day of station 90000002, but holds 4 other stations: did you mean 900000002 or 900000020? Check --station.",
            StoredStations.NotStoredNote("90000002", configured: false, lastFetchedAt: null, ["900000002", "900000020", "900000003", "283164601"]));
        var city = Enumerable.Range(1, 25).Select(i => $"{900000000 + i}").ToList();
        Assert.Equal(" The store holds no day of station 90000001, but holds 25 other stations: did you mean 900000001, 900000010, 900000011 or one of 9 more as close? Check --station.",
            StoredStations.NotStoredNote("90000001", configured: false, lastFetchedAt: null, city));
    }

    [Fact]
    public void A_stored_id_that_is_no_station_id_is_never_named_however_close_it_is()
    {
        Assert.Equal(" The store holds no day of station 900000012, but holds 3 other stations: did you mean 900000021? Check --station.",
            StoredStations.NotStoredNote("900000012", configured: false, lastFetchedAt: null, ["900000021", "900000012\n", "\u001b00000012"]));
    }

    [Fact]
    public void A_stored_id_that_is_no_station_id_is_printed_quoted_with_its_control_characters_escaped_and_cut_short()
    {
        Assert.Equal("283164601", StoredStations.Printed("283164601"));
        Assert.Equal("\"28316460\\u001B[2J\\nforged\"", StoredStations.Printed("28316460\u001b[2J\nforged"));
        Assert.Equal($"\"{new string('x', 64)}...\"", StoredStations.Printed(new string('x', 1_000_000)));
    }
}
