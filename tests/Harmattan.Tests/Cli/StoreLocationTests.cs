using Harmattan.Cli.Pipeline;
using Microsoft.Extensions.Configuration;

namespace Harmattan.Tests.Cli;

/// <summary>The store line the commands print: enough to spot a wrong host or a misspelt database, never a password.</summary>
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

    [Fact]
    public void A_MongoDB_URI_that_does_not_parse_is_said_so_without_quoting_it()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "MongoDb",
            ["ConnectionStrings:MongoDb"] = "mongo://ops:s3cret@db1",
        }).Build();

        var described = StoreLocation.Describe(configuration);

        Assert.Equal("MongoDB (ConnectionStrings:MongoDb is not a MongoDB URI), database harmattan", described);
        Assert.DoesNotContain("s3cret", described);
    }
}
