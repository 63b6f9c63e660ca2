using Harmattan.Cli;
using Harmattan.Storage;

namespace Harmattan.Tests.Cli;

/// <summary>How a failure the CLI did not expect is said in one line.</summary>
public sealed class FailureReasonTests
{
    [Fact]
    public void A_message_that_quotes_its_reason_without_the_full_stop_is_not_followed_by_it_again()
    {
        // The MongoDB store quotes the driver's reason as it words a broken connection, without its full stop.
        var broken = new StoreNotReadyException(
            "MongoDB at 127.0.0.1:27317 broke the connection during a read of raw_fetches (The given key 'r' was not present in the dictionary)",
            new KeyNotFoundException("The given key 'r' was not present in the dictionary."));

        Assert.Equal(broken.Message, HarmattanCli.Reason(broken));
    }

    [Fact]
    public void A_message_that_does_not_quote_its_reason_is_followed_by_it()
    {
        var failed = new InvalidOperationException("The store could not be read", new IOException("disk I/O error"));

        Assert.Equal("The store could not be read (disk I/O error)", HarmattanCli.Reason(failed));
    }
}
