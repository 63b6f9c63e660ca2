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
    public void A_fetch_stored_but_for_days_held_at_a_newer_version_is_counted_as_held_in_part_not_left_out()
    {
        Assert.Equal("Recomputed 2 of 2 fetches (algorithm v1); the store holds the figures of 0, and of 2 in part (days of theirs held at a newer version, below).",
            ReplayCommand.Summary(2, 2, ["v1"], stored: 2, storedButHeld: 2));
        Assert.Equal("Recomputed 0 of 1 fetches; the store holds the figures of 0.", ReplayCommand.Summary(0, 1, [], stored: 0, storedButHeld: 0));
    }

    [Fact]
    public void A_same_version_result_the_loader_has_not_written_yet_is_not_called_stored()
    {
        // With the same version and rules the store already holds the result's figures, and it counts at once.
        Assert.Equal("Recomputed 3 of 3 fetches (algorithm v2); the store holds the figures of 3.",
            ReplayCommand.Summary(3, 3, ["v2"], stored: 3, storedButHeld: 0));
    }

    [Fact]
    public void Days_held_at_a_newer_version_than_the_transformer_s_name_the_version_to_raise_it_above()
    {
        var (problem, remedy) = ReplayCommand.NotReplaced(5, heldAtVersion: 5, computedWith: [4]);

        Assert.Equal("5 days were not replaced: the store holds them at algorithm v5, newer than the transformer's v4, and the loader never lets an older algorithm version overwrite a newer one.", problem);
        Assert.Equal("To recompute them, raise Quality:AlgorithmVersion on the transformer above v5, restart it and replay again.", remedy);
    }

    [Fact]
    public void Results_of_several_algorithm_versions_name_the_transformers_of_different_versions_not_a_version_to_raise()
    {
        // A rolling upgrade: a transformer at v4 and one at v6 consumed the replay of days stored at v5.
        var (problem, remedy) = ReplayCommand.NotReplaced(5, heldAtVersion: 5, computedWith: [4, 6]);

        Assert.Equal("5 days were not replaced: the store holds them at algorithm v5, newer than this replay's results of v4, and the loader never lets an older algorithm version overwrite a newer one.", problem);
        Assert.Equal("Transformers of different Quality:AlgorithmVersion (v4, v6) consumed this replay: stop the older ones (or finish the rollout) and replay again.", remedy);
    }

    [Fact]
    public void Results_of_several_algorithm_versions_all_older_than_the_store_s_also_name_the_version_to_raise_above()
    {
        var (problem, remedy) = ReplayCommand.NotReplaced(1, heldAtVersion: 7, computedWith: [4, 6]);

        Assert.Equal("1 day was not replaced: the store holds it at algorithm v7, newer than this replay's results of v4, v6, and the loader never lets an older algorithm version overwrite a newer one.", problem);
        Assert.Equal("Transformers of different Quality:AlgorithmVersion (v4, v6) consumed this replay: stop the older ones (or finish the rollout), raise Quality:AlgorithmVersion above v7 on the transformers that remain, restart them and replay again.", remedy);
    }
}
