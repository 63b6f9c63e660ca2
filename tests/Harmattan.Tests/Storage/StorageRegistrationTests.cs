using Harmattan.Hosting;
using Harmattan.Storage;
using Harmattan.Storage.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Harmattan.Tests.Storage;

public class StorageRegistrationTests
{
    [Fact]
    public async Task The_SQLite_store_is_initialised_at_start_and_checked_for_readiness()
    {
        var path = Path.Combine(Path.GetTempPath(), $"harmattan-registration-{Guid.NewGuid():N}.db");
        var services = Services(("Storage:Provider", "Sqlite"), ("ConnectionStrings:Sqlite", $"Data Source={path}"));
        try
        {
            await using (var provider = services.BuildServiceProvider())
            {
                var store = Assert.IsType<SqlitePipelineStore>(provider.GetRequiredService<IPipelineStore>());
                Assert.Equal(path, store.DataSource);
                foreach (var hosted in provider.GetServices<IHostedService>())
                    await hosted.StartAsync(TestContext.Current.CancellationToken);

                var report = await provider.GetRequiredService<HealthCheckService>()
                    .CheckHealthAsync(check => check.Tags.Contains(ServiceDefaults.ReadyTag), TestContext.Current.CancellationToken);

                Assert.Equal(HealthStatus.Healthy, report.Status);
                Assert.Contains("pipeline-store", report.Entries.Keys);
                Assert.Empty(await store.GetRawFetchesAsync("1", DateTimeOffset.MinValue, DateTimeOffset.MaxValue, TestContext.Current.CancellationToken));
            }
        }
        finally
        {
            TemporarySqliteDatabase.Delete(path);
        }
    }

    [Fact]
    public void Registering_twice_registers_one_store()
    {
        var services = Services();
        services.AddPipelineStore(new ConfigurationBuilder().Build());

        Assert.Single(services, d => d.ServiceType == typeof(IPipelineStore));
        Assert.Single(services, d => d.ImplementationType == typeof(PipelineStoreInitializer));
    }

    [Theory]
    [InlineData("Nonsense=secret-value")]
    [InlineData("Data Source=harmattan.db;Default Timeout=secret-value")]
    public void A_malformed_SQLite_connection_string_is_reported_by_key_without_its_value(string connectionString)
    {
        var error = Assert.Throws<InvalidSettingException>(() =>
            Services(("Storage:Provider", "Sqlite"), ("ConnectionStrings:Sqlite", connectionString)));

        Assert.Contains("ConnectionStrings:Sqlite", error.Message);
        Assert.DoesNotContain("secret-value", error.Message);
    }

    [Fact]
    public void An_unknown_provider_is_reported_by_key_with_the_values_to_choose_from()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Services(("Storage:Provider", "Mongo")));

        Assert.Equal("Storage:Provider 'Mongo' is not a store: use Sqlite or MongoDb (environment variable Storage__Provider).", error.Message);
    }

    [Fact]
    public void A_misspelt_storage_setting_is_refused_naming_the_one_meant_and_MongoDB_settings_stay_valid_on_SQLite()
    {
        using var misspelt = Services(("Storage:Provider", "Sqlite"), ("Storage:MongoDatabse", "air")).BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => misspelt.GetRequiredService<IOptions<StorageOptions>>().Value);
        Assert.Equal("Storage:MongoDatabse is not a setting (environment variable Storage__MongoDatabse): did you mean Storage:MongoDatabase?",
            error.Message);

        using var shared = Services(("Storage:Provider", "Sqlite"), ("Storage:MongoDatabase", "air")).BuildServiceProvider();
        Assert.Equal(StorageProvider.Sqlite, shared.GetRequiredService<IOptions<StorageOptions>>().Value.Provider);
    }

    [Fact]
    public void The_services_default_to_MongoDb()
    {
        using var provider = Services().BuildServiceProvider();

        Assert.Equal(StorageProvider.MongoDb, provider.GetRequiredService<IOptions<StorageOptions>>().Value.Provider);
    }

    private static ServiceCollection Services(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddPipelineStore(configuration);
        return services;
    }
}
