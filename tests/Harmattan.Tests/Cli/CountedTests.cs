using Harmattan.Cli.Commands;

namespace Harmattan.Tests.Cli;

public sealed class CountedTests
{
    [Theory]
    [InlineData(0, "0 archived fetches")]
    [InlineData(1, "1 archived fetch")]
    [InlineData(2, "2 archived fetches")]
    [InlineData(12345, "12345 archived fetches")]
    public void A_count_of_one_takes_the_singular(long count, string expected) =>
        Assert.Equal(expected, Counted.Of(count, "archived fetch", "archived fetches"));
}
