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
}
