using Harmattan.Hosting;
using Harmattan.Storage.MongoDb;
using Harmattan.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Harmattan.Storage;

public static class StorageRegistration
{
    public const string SqliteConnectionName = "Sqlite";
    public const string DefaultSqliteConnectionString = "Data Source=harmattan.db";

    /// <summary>
    /// The <see cref="IPipelineStore"/> chosen by <c>Storage:Provider</c>, as a singleton that is initialised at start
    /// and checked by <c>/health/ready</c>. Calling it twice (all services in one process) registers it once.
    /// </summary>
    public static IServiceCollection AddPipelineStore(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ImplementationType == typeof(PipelineStoreInitializer)))
            return services;

        services.AddPipelineStoreForReading(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<StoreWriteMonitor>();
        services.AddSingleton<PipelineStoreInitializer>();
        services.AddHostedService(provider => provider.GetRequiredService<PipelineStoreInitializer>());
        services.AddHealthChecks().AddCheck<PipelineStoreHealthCheck>("pipeline-store", tags: [ServiceDefaults.ReadyTag]);
        return services;
    }

    /// <summary>
    /// The store alone, for a process that only reads it when it can (the extractor's gap check): it neither creates
    /// the schema at start nor makes readiness depend on the store.
    /// </summary>
    public static IServiceCollection AddPipelineStoreForReading(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(IPipelineStore)))
            return services;

        services.AddValidatedOptions<StorageOptions>(StorageOptions.Section, sectionSharedWith: typeof(MongoStoreOptions));
        switch (StorageOptions.Read(configuration).Provider)
        {
            case StorageProvider.Sqlite:
                var connectionString = SqliteConnectionString(configuration);
                services.AddSingleton<IPipelineStore>(provider =>
                    new SqlitePipelineStore(connectionString, provider.GetService<ILogger<SqlitePipelineStore>>(),
                        provider.GetService<TimeProvider>()));
                break;
            case StorageProvider.MongoDb:
                services.AddMongoPipelineStore(configuration);
                break;
            default:
                throw new InvalidSettingException("Storage:Provider must be Sqlite or MongoDb.");
        }
        return services;
    }

    /// <summary><c>ConnectionStrings:Sqlite</c>, or <c>Data Source=harmattan.db</c>; a malformed value is reported by key.</summary>
    public static string SqliteConnectionString(IConfiguration configuration)
    {
        var value = configuration.GetConnectionString(SqliteConnectionName);
        if (string.IsNullOrWhiteSpace(value))
            return DefaultSqliteConnectionString;
        try
        {
            _ = new SqliteConnectionStringBuilder(value);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            // The value is not echoed: a connection string may carry a password.
            throw new InvalidSettingException(
                "ConnectionStrings:Sqlite must be a SQLite connection string such as \"Data Source=harmattan.db\" " +
                "(environment variable ConnectionStrings__Sqlite).");
        }
        return value;
    }
}
