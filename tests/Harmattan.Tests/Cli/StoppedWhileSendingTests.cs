using Harmattan.Cli;

namespace Harmattan.Tests.Cli;

/// <summary>What a command stopped while sending says it sent: a send under way may have gone, none after the last.</summary>
public sealed class StoppedWhileSendingTests
{
    private const string Finish = "Run the same command again to finish.";

    [Fact]
    public void Stopped_during_the_sending_the_count_allows_for_the_send_under_way()
    {
        Assert.Equal("Stopped after sending 15357 of 93917 fetch commands (or one more, under way). " + Finish,
            CliHost.StoppedWhileSendingMessage(15357, 93917, "fetch command", "fetch commands", Finish));
        Assert.Equal("Stopped before any fetch command was sent (or as the first was under way); run the same command again.",
            CliHost.StoppedWhileSendingMessage(0, 93917, "fetch command", "fetch commands", Finish));
    }

    [Fact]
    public void Stopped_after_the_last_was_sent_it_says_all_went()
    {
        Assert.Equal("Stopped after sending all 1092 fetch commands. " + Finish,
            CliHost.StoppedWhileSendingMessage(1092, 1092, "fetch command", "fetch commands", Finish));
    }

    [Fact]
    public void Stopped_while_sending_with_no_total_known_the_count_allows_for_the_send_under_way()
    {
        Assert.Equal("Stopped after sending 3 archived fetches (or one more, under way). " + Finish,
            CliHost.StoppedWhileSendingMessage(3, null, "archived fetch", "archived fetches", Finish));
    }
}
