using Harmattan.Cli.Commands;

namespace Harmattan.Tests.Cli;

public sealed class DurationsTests
{
    [Theory]
    [InlineData("90s", 90)]
    [InlineData("10m", 600)]
    [InlineData("3h", 3 * 3600)]
    [InlineData("1d12h", 36 * 3600)]
    [InlineData("2h30m", 150 * 60)]
    [InlineData("03:00:00", 3 * 3600)]
    public void A_duration_is_read_in_short_units_or_as_a_time_span(string text, int seconds)
    {
        Assert.True(Durations.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0h")]
    [InlineData("0s")]
    [InlineData("3 hours")]
    [InlineData("3hours")]
    [InlineData("5x")]
    [InlineData("-1h")]
    [InlineData("10")]
    public void A_duration_that_is_not_positive_or_not_in_the_syntax_is_refused(string text) =>
        Assert.False(Durations.TryParse(text, out _));

    [Theory]
    [InlineData("90s", "1m30s")]
    [InlineData("10m", "10m")]
    [InlineData("1d12h", "1d12h")]
    [InlineData("00:10:00", "10m")]
    public void A_duration_is_printed_in_the_syntax_the_options_read(string text, string printed)
    {
        Assert.True(Durations.TryParse(text, out var duration));
        Assert.Equal(printed, Durations.Format(duration));
        Assert.True(Durations.TryParse(printed, out var again));
        Assert.Equal(duration, again);
    }
}
