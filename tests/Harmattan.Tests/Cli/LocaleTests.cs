using System.Globalization;
using Harmattan.Cli.Commands;

namespace Harmattan.Tests.Cli;

/// <summary>What a user whose LANG is French, Arabic or Turkish gets: the command's own language and syntax throughout.</summary>
[Collection(typeof(CliCollection))]
public sealed class LocaleTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("fr-FR")]
    [InlineData("tr-TR")]
    public async Task A_bad_invocation_and_the_help_are_in_one_language_whatever_the_ui_culture(string culture)
    {
        var ui = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = new CultureInfo(culture);
        try
        {
            var (exit, output) = await _cli.InvokeAsync(["status", "--bogus"]);
            var (_, help) = await _cli.InvokeAsync(["export", "--help"]);

            Assert.Equal(2, exit);
            Assert.Contains("error: Unrecognized command or argument '--bogus'.", output);
            Assert.Contains("Usage:", help);
            Assert.Contains("Options:", help);
        }
        finally
        {
            CultureInfo.CurrentUICulture = ui;
        }
    }

    [Theory]
    [InlineData("١٠m")] // Arabic-Indic digits, as an Arabic keyboard types them
    [InlineData("１０m")] // full-width digits, as an East Asian input method types them
    public void A_duration_in_other_digits_is_refused_not_thrown(string text) =>
        Assert.False(Durations.TryParse(text, out _));

    [Fact]
    public async Task A_duration_in_other_digits_is_one_error_line()
    {
        var (exit, output) = await _cli.InvokeAsync(["status", "--max-age", "١٠m"]);

        Assert.Equal(2, exit);
        Assert.Contains("error: --max-age: '١٠m' is not a duration", output);
    }

    [Theory]
    [InlineData("Quality__Ranges__pm2_5__Max", "500,5")]
    [InlineData("Quality__Ranges__pm2_5__Min", "0,5")]
    [InlineData("Quality__Ranges__pm10__Max", "1 000")]
    public async Task A_plausible_range_written_with_a_decimal_comma_is_refused_as_the_other_numbers_are(string variable, string value)
    {
        var (exit, output) = await _cli.InvokeAsync(
            ["run", "--once", "--simulate", "--station", "283164601", "--from", "2023-11-01", "--to", "2023-11-01"],
            new Dictionary<string, string> { [variable] = value });

        Assert.Equal(2, exit);
        var key = variable.Replace("__", ":", StringComparison.Ordinal);
        Assert.Equal($"error: {key} '{value}' is not a number (with a dot for decimals, e.g. 0.75) (environment variable {variable}).",
            Assert.Single(output.Split('\n'), l => l.StartsWith("error:", StringComparison.Ordinal)));
    }
}
