using Harmattan.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MongoDB.Driver;

namespace Harmattan.Storage.MongoDb;

public static class MongoRegistration
{
    /// <summary>
    /// Registers the MongoDB store: one <see cref="IMongoClient"/> for the process, built from
    /// <c>ConnectionStrings:MongoDb</c>, and the database named by <c>Storage:MongoDatabase</c>.
    /// </summary>
    public static IServiceCollection AddMongoPipelineStore(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = ClientSettings(configuration.GetConnectionString(MongoStoreOptions.ConnectionStringName)
            ?? MongoStoreOptions.DefaultConnectionString);
        services.AddValidatedOptions<MongoStoreOptions>(MongoStoreOptions.Section);
        services.TryAddSingleton<IMongoClient>(_ => new MongoClient(settings));
        services.AddSingleton<IPipelineStore, MongoPipelineStore>();
        return services;
    }

    /// <summary>
    /// Writes are acknowledged by a majority of the replica set and journaled, and retried once on a
    /// failover, unless the URI says otherwise (w=, journal=, retryWrites=).
    /// </summary>
    public static MongoClientSettings ClientSettings(string connectionString)
    {
        MongoUrl url;
        try
        {
            url = MongoUrl.Create(connectionString);
        }
        catch (Exception e) when (e is MongoConfigurationException or ArgumentException or FormatException)
        {
            // The parser's message can quote the URI, credentials included, so it is not passed on.
            throw new InvalidOperationException(
                "ConnectionStrings:MongoDb is not a valid MongoDB URI; expected mongodb://[user:password@]host:27017/?replicaSet=rs0");
        }

        var settings = MongoClientSettings.FromUrl(url);
        settings.WriteConcern = new WriteConcern(
            url.W ?? WriteConcern.WValue.Parse("majority"),
            url.WTimeout,
            url.FSync,
            url.Journal ?? true);
        settings.RetryWrites = url.RetryWrites ?? true;
        return settings;
    }
}
