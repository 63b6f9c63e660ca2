using Harmattan.Storage;

namespace Harmattan.Tests.Storage;

/// <summary>The data age that <c>status</c>, the dashboard and the loader's gauge all report.</summary>
public sealed class StationActivityTests
{
    private static readonly DateTimeOffset Hour = new(2026, 12, 2, 2, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0, 0)]        // the hour has just begun: its data are current
    [InlineData(59, 0)]       // still in progress
    [InlineData(60, 0)]       // just ended
    [InlineData(150, 90)]
    public void The_age_runs_from_the_end_of_the_newest_hour_and_is_never_negative(int minutesAfterStart, int expectedMinutes)
    {
        var activity = new StationActivity(Hour, LastFetchedAt: null);

        Assert.Equal(TimeSpan.FromMinutes(expectedMinutes), activity.DataAge(Hour.AddMinutes(minutesAfterStart)));
    }

    [Fact]
    public void A_station_without_data_has_no_age() =>
        Assert.Null(new StationActivity(null, Hour).DataAge(Hour));
}
