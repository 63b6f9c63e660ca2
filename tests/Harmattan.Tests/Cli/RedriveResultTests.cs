using Harmattan.Cli.Operations;

namespace Harmattan.Tests.Cli;

public sealed class RedriveResultTests
{
    [Theory]
    // Three messages of a station AirQino does not know, one moved back, which failed again before the count.
    [InlineData(3u, 1, 0, 3u, 1u)]
    // Nothing came back: what is left is what was not moved.
    [InlineData(3u, 1, 0, 2u, 0u)]
    [InlineData(6u, 0, 3, 3u, 0u)]
    // A redrive that moved everything, and new failures meanwhile.
    [InlineData(2u, 2, 0, 5u, 5u)]
    public void The_messages_that_arrived_while_it_ran_are_told_apart_from_those_it_left(uint waiting, int moved, int discarded, uint left,
        uint arrived)
    {
        var result = new RedriveResult("fetch-station-window_error",
            moved > 0 ? new Dictionary<string, int> { ["fetch-station-window"] = moved } : new Dictionary<string, int>(),
            discarded > 0 ? new Dictionary<string, int> { ["90000001"] = discarded } : new Dictionary<string, int>(),
            left, WaitingAtStart: waiting);

        Assert.Equal(arrived, result.ArrivedSince);
    }
}
