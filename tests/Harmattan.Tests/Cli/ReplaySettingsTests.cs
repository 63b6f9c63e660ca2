using Harmattan.Cli.Commands;
using Microsoft.Extensions.Configuration;

namespace Harmattan.Tests.Cli;

/// <summary>Replay recomputes with the running transformer's Quality settings, and says so when it was given others.</summary>
public sealed class ReplaySettingsTests
{
    [Fact]
    public void Quality_settings_given_to_the_command_are_named_as_not_used()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Quality:AlgorithmVersion"] = "2",
            ["Quality:Ranges:pm2_5:Max"] = "500",
            ["Storage:Provider"] = "Sqlite",
        }).Build();

        Assert.Equal(["Quality:AlgorithmVersion=2", "Quality:Ranges:pm2_5:Max=500"], ReplayCommand.QualitySettingsGiven(configuration));
        Assert.Empty(ReplayCommand.QualitySettingsGiven(new ConfigurationBuilder().Build()));
    }

    [Fact]
    public void A_transformer_on_another_algorithm_version_than_the_command_s_is_told()
    {
        var warning = ReplayCommand.VersionMismatch(2, [1, 1]);

        Assert.NotNull(warning);
        Assert.Contains("The transformer computed with algorithm v1, not the v2 this command was given", warning);
        Assert.Null(ReplayCommand.VersionMismatch(2, [2]));
        Assert.Null(ReplayCommand.VersionMismatch(null, [1]));
        Assert.Null(ReplayCommand.VersionMismatch(2, []));
    }

    [Fact]
    public void A_fetch_stored_but_for_days_held_at_a_newer_version_is_counted_as_stored_in_part_not_left_out()
    {
        Assert.Equal("Recomputed 2 of 2 fetches (algorithm v1); stored 0, and 2 in part (days of theirs held at a newer version, below).",
            ReplayCommand.Summary(2, 2, ["v1"], stored: 2, storedButHeld: 2));
        Assert.Equal("Recomputed 3 of 3 fetches (algorithm v2); stored 3.", ReplayCommand.Summary(3, 3, ["v2"], stored: 3, storedButHeld: 0));
        Assert.Equal("Recomputed 0 of 1 fetches; stored 0.", ReplayCommand.Summary(0, 1, [], stored: 0, storedButHeld: 0));
    }
}
