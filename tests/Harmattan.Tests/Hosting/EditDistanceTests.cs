using Harmattan.Hosting;

namespace Harmattan.Tests.Hosting;

public sealed class EditDistanceTests
{
    [Theory]
    [InlineData("900000001", "900000001", 0)]
    [InlineData("90000001", "900000001", 1)]
    [InlineData("900000010", "900000001", 1)]
    [InlineData("900000100", "900000001", 2)]
    [InlineData("900000012", "900000021", 1)]
    [InlineData("283164601", "283181971", 4)]
    public void Edit_distance_counts_a_digit_left_out_added_changed_or_two_swapped_as_one(string a, string b, int distance) =>
        Assert.Equal(distance, EditDistance.Between(a, b));
}
