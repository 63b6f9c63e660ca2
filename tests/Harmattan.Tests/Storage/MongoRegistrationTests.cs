using Harmattan.Hosting;
using Harmattan.Storage;
using Harmattan.Storage.MongoDb;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace Harmattan.Tests.Storage;

public class MongoRegistrationTests
{
    [Fact]
    public void Mongo_writes_default_to_majority_journaled_and_retryable()
    {
        var settings = MongoRegistration.ClientSettings(MongoStoreOptions.DefaultConnectionString);

        Assert.Equal(WriteConcern.WValue.Parse("majority"), settings.WriteConcern.W);
        Assert.True(settings.WriteConcern.Journal);
        Assert.True(settings.RetryWrites);
        Assert.Equal("rs0", settings.ReplicaSetName);
    }

    [Fact]
    public void Mongo_write_settings_written_in_the_uri_win_over_the_defaults()
    {
        var settings = MongoRegistration.ClientSettings("mongodb://localhost:27017/?w=2&journal=false&retryWrites=false");

        Assert.Equal(new WriteConcern.WCount(2), settings.WriteConcern.W);
        Assert.False(settings.WriteConcern.Journal);
        Assert.False(settings.RetryWrites);
    }

    /// <summary>A secondary's copy may lag the writes the store's next write depends on.</summary>
    [Fact]
    public void Mongo_the_store_reads_from_the_primary_whatever_the_uri_prefers()
    {
        using var client = new MongoClient(MongoRegistration.ClientSettings("mongodb://localhost:27017/?readPreference=secondaryPreferred"));

        var store = new MongoPipelineStore(client, "harmattan");

        Assert.Equal(ReadPreference.SecondaryPreferred, client.Settings.ReadPreference);
        Assert.Equal(ReadPreference.Primary, store.ReadPreference);
    }

    /// <summary>The driver refused w=0 with the journal the store adds, in a stack trace; with journal=false every write failed.</summary>
    [Theory]
    [InlineData("mongodb://localhost:27017/?w=0")]
    [InlineData("mongodb://localhost:27017/?w=0&journal=false")]
    public void Mongo_unacknowledged_writes_are_refused_naming_the_key_and_the_option(string uri)
    {
        var error = Assert.Throws<InvalidSettingException>(() => MongoRegistration.ClientSettings(uri));

        Assert.Contains("ConnectionStrings:MongoDb", error.Message);
        Assert.Contains("w=0", error.Message);
    }

    [Theory]
    [InlineData("mongodb://analyst:s3cret-pass@db.example:notaport/?replicaSet=rs0")]
    // Parsed, but the driver refuses the mechanism only when it builds the credential.
    [InlineData("mongodb://analyst:s3cret-pass@db.example:27017/?authMechanism=BOGUS")]
    public void Mongo_invalid_uri_is_reported_by_key_without_quoting_its_credentials(string uri)
    {
        var error = Assert.Throws<InvalidSettingException>(() => MongoRegistration.ClientSettings(uri));

        Assert.Contains("ConnectionStrings:MongoDb", error.Message);
        Assert.DoesNotContain("s3cret-pass", error.ToString());
        Assert.Null(error.InnerException);
    }

    [Fact]
    public void A_mongodb_srv_uri_is_named_by_its_DNS_name_not_by_the_DNS_port_the_driver_keeps()
    {
        var settings = MongoRegistration.ClientSettings("mongodb+srv://analyst:s3cret-pass@cluster0.example.net/?authSource=admin");

        Assert.Equal("cluster0.example.net (DNS SRV)", MongoRegistration.Hosts(settings));
    }

    [Fact]
    public async Task Mongo_registration_shares_one_client_and_opens_the_configured_database()
    {
        await using var services = Build(new()
        {
            ["ConnectionStrings:MongoDb"] = "mongodb://db.example:27017/?replicaSet=rs0",
            ["Storage:MongoDatabase"] = "air_quality",
        });

        var store = Assert.IsType<MongoPipelineStore>(services.GetRequiredService<IPipelineStore>());

        Assert.Equal("air_quality", store.DatabaseName);
        Assert.Same(services.GetRequiredService<IMongoClient>(), services.GetRequiredService<IMongoClient>());
        var settings = services.GetRequiredService<IMongoClient>().Settings;
        Assert.Equal("db.example", Assert.Single(settings.Servers).Host);
        Assert.Equal(WriteConcern.WValue.Parse("majority"), settings.WriteConcern.W);
    }

    [Fact]
    public async Task Mongo_registration_defaults_to_the_harmattan_database_on_the_local_replica_set()
    {
        await using var services = Build([]);

        var store = Assert.IsType<MongoPipelineStore>(services.GetRequiredService<IPipelineStore>());

        Assert.Equal("harmattan", store.DatabaseName);
        var settings = services.GetRequiredService<IMongoClient>().Settings;
        Assert.Equal("localhost", Assert.Single(settings.Servers).Host);
        Assert.Equal("rs0", settings.ReplicaSetName);
        // What its messages name, so that a user who forgot ConnectionStrings:MongoDb sees where it looked.
        Assert.Equal("MongoDB at localhost:27017", store.Location);
    }

    [Fact]
    public async Task Mongo_store_is_named_by_its_hosts_without_user_or_password()
    {
        await using var services = Build(new()
        {
            ["ConnectionStrings:MongoDb"] = "mongodb://analyst:s3cret-pass@db1.example:27018,db2.example/?replicaSet=rs0",
        });

        var store = Assert.IsType<MongoPipelineStore>(services.GetRequiredService<IPipelineStore>());

        Assert.Equal("MongoDB at db1.example:27018,db2.example:27017", store.Location);
    }

    [Fact]
    public async Task Mongo_is_the_store_when_the_provider_is_MongoDb_and_readiness_pings_it()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "MongoDb",
            ["Storage:MongoDatabase"] = "air_quality",
        }).Build();
        await using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddPipelineStore(configuration)
            .BuildServiceProvider();

        var store = Assert.IsType<MongoPipelineStore>(services.GetRequiredService<IPipelineStore>());

        Assert.Equal("air_quality", store.DatabaseName);
        Assert.Contains(services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations,
            check => check.Name == "pipeline-store" && check.Tags.Contains(ServiceDefaults.ReadyTag));
    }

    [Theory]
    [InlineData("")]
    [InlineData("air.quality")]
    [InlineData("air quality")]
    [InlineData("a/b")]
    [InlineData("local")]
    [InlineData("admin")]
    [InlineData("Config")]
    [InlineData("éééééééééééééééééééééééééééééééé")]
    public async Task Mongo_database_name_that_MongoDB_refuses_fails_validation_naming_the_key(string name)
    {
        await using var services = Build(new() { ["Storage:MongoDatabase"] = name });

        var error = Assert.Throws<OptionsValidationException>(() =>
            services.GetRequiredService<IOptions<MongoStoreOptions>>().Value);

        Assert.Contains("Storage:MongoDatabase", error.Message);
    }

    [Theory]
    [InlineData("local", "Storage:MongoDatabase must not be local: MongoDB keeps admin, local and config for itself")]
    [InlineData("éééééééééééééééééééééééééééééééé", "Storage:MongoDatabase must be under 64 bytes in UTF-8, MongoDB's limit: éééééééééééééééééééééééééééééééé takes 64")]
    public async Task Mongo_database_name_that_MongoDB_keeps_or_finds_too_long_is_refused_saying_why(string name, string reason)
    {
        await using var services = Build(new() { ["Storage:MongoDatabase"] = name });

        var error = Assert.Throws<OptionsValidationException>(() =>
            services.GetRequiredService<IOptions<MongoStoreOptions>>().Value);

        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public async Task Mongo_database_name_of_63_bytes_is_accepted()
    {
        await using var services = Build(new() { ["Storage:MongoDatabase"] = new string('a', 61) + "é" });

        Assert.Equal(62, services.GetRequiredService<IOptions<MongoStoreOptions>>().Value.MongoDatabase.Length);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddMongoPipelineStore(configuration)
            .BuildServiceProvider();
    }
}
