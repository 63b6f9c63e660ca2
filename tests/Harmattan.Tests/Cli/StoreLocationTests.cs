using System.Net;
using System.Reflection;
using Harmattan.Cli;
using Harmattan.Cli.Pipeline;
using Harmattan.Storage;
using Microsoft.Extensions.Configuration;
using MongoDB.Driver;
using MongoDB.Driver.Core.Clusters;
using MongoDB.Driver.Core.Connections;
using MongoDB.Driver.Core.Servers;

namespace Harmattan.Tests.Cli;

/// <summary>
/// The store line the commands print: enough to spot a wrong host or a misspelt database, never a password; and how a
/// store that cannot be read ends a command.
/// </summary>
public sealed class StoreLocationTests
{
    [Fact]
    public void A_MongoDB_store_is_named_by_its_hosts_and_database_without_credentials()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "MongoDb",
            ["Storage:MongoDatabase"] = "harmatan",
            ["ConnectionStrings:MongoDb"] = "mongodb://ops:s3cret@db1:27017,db2:27018/?replicaSet=rs0",
        }).Build();

        var described = StoreLocation.Describe(configuration);

        Assert.Equal("MongoDB db1:27017,db2:27018, database harmatan", described);
    }

    [Theory]
    [InlineData("mongo://ops:s3cret@db1")]
    // A % not written %25 in the password.
    [InlineData("mongodb://ops:s3cret%Pw@db1:27017/")]
    public void A_MongoDB_URI_that_does_not_parse_is_said_so_without_quoting_it(string uri)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "MongoDb",
            ["ConnectionStrings:MongoDb"] = uri,
        }).Build();

        var described = StoreLocation.Describe(configuration);

        Assert.Equal("MongoDB (ConnectionStrings:MongoDb is not a valid MongoDB URI; expected mongodb://[user:password@]host:27017/?replicaSet=rs0, " +
            "a : / ? # @ or % in the user or the password written %3A %2F %3F %23 %40 %25), database harmattan", described);
        Assert.DoesNotContain("s3cret", described);
    }

    [Fact]
    public void A_MongoDB_URI_asking_for_unacknowledged_writes_is_said_so_not_called_no_URI()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "MongoDb",
            ["ConnectionStrings:MongoDb"] = "mongodb://ops:s3cret@db1:27017/?w=0",
        }).Build();

        var described = StoreLocation.Describe(configuration);

        Assert.StartsWith("MongoDB (ConnectionStrings:MongoDb asks for unacknowledged writes (w=0)", described);
        Assert.DoesNotContain("s3cret", described);
    }

    /// <summary>Exit 2 is the invocation's to mend (and, of `status --max-age`, stale stations): a dropped connection is not.</summary>
    [Theory]
    [InlineData(true, CliException.UsageExitCode)]
    [InlineData(false, CliException.FailureExitCode)]
    public async Task A_refused_MongoDB_login_is_a_usage_error_and_a_broken_connection_a_failure(bool loginRefused, int exitCode)
    {
        var connection = new ConnectionId(new ServerId(new ClusterId(), new DnsEndPoint("db1", 27017)));
        MongoConnectionException cause = loginRefused
            ? new MongoAuthenticationException(connection, "Unable to authenticate using sasl protocol mechanism SCRAM-SHA-256.")
            : new MongoConnectionException(connection, "An exception occurred while receiving a message from the server.");
        var store = DispatchProxy.Create<IPipelineStore, RefusingStore>();
        ((RefusingStore)(object)store).Refusal = new StoreNotReadyException("MongoDB at db1:27017 refused a ping", cause);

        var error = await Assert.ThrowsAsync<CliException>(() => StoreLocation.OpenForReadingAsync(store, TestContext.Current.CancellationToken));

        Assert.Equal(exitCode, error.ExitCode);
        Assert.Equal("MongoDB at db1:27017 refused a ping.", error.Message);
    }

    /// <summary>A store whose preparation for reading fails with <see cref="Refusal"/>; nothing else is called.</summary>
    public class RefusingStore : DispatchProxy
    {
        public Exception Refusal { get; set; } = new InvalidOperationException("no refusal set");

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            targetMethod?.Name == nameof(IPipelineStore.PrepareForReadingAsync)
                ? Task.FromException(Refusal)
                : throw new NotSupportedException(targetMethod?.Name);
    }
}
