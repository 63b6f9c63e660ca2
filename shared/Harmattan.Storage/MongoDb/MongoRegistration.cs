using Harmattan.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MongoDB.Driver;
using MongoDB.Driver.Core.Configuration;

namespace Harmattan.Storage.MongoDb;

public static class MongoRegistration
{
    /// <summary>
    /// Registers the MongoDB store: one <see cref="IMongoClient"/> for the process, built from
    /// <c>ConnectionStrings:MongoDb</c>, and the database named by <c>Storage:MongoDatabase</c>.
    /// </summary>
    public static IServiceCollection AddMongoPipelineStore(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString(MongoStoreOptions.ConnectionStringName)
            ?? MongoStoreOptions.DefaultConnectionString;
        // Parsed now so that a malformed URI stops the process at start, before the options are bound.
        _ = ClientSettings(connectionString);
        services.AddValidatedOptions<MongoStoreOptions>(MongoStoreOptions.Section, MongoStoreOptions.Validate, typeof(StorageOptions));
        services.TryAddSingleton<IMongoClient>(provider => new MongoClient(ClientSettings(connectionString,
            provider.GetRequiredService<IOptions<MongoStoreOptions>>().Value.MongoWriteConcernTimeout)));
        services.AddSingleton<IPipelineStore, MongoPipelineStore>();
        return services;
    }

    /// <summary>
    /// Writes are acknowledged by a majority of the replica set and journaled, the server answering with an
    /// error when that takes longer than <paramref name="writeConcernTimeout"/> (default
    /// <see cref="MongoStoreOptions.DefaultWriteConcernTimeout"/>), and retried once on a failover, unless the URI
    /// says otherwise (w=, journal=, wtimeoutMS=, retryWrites=); unacknowledged writes (w=0) are refused.
    /// </summary>
    /// <exception cref="InvalidSettingException">The URI is not one, or it asks for w=0.</exception>
    /// <param name="setting">Where the URI was given, named in the errors.</param>
    public static MongoClientSettings ClientSettings(string connectionString, TimeSpan? writeConcernTimeout = null,
        string setting = "ConnectionStrings:MongoDb")
    {
        MongoUrl url;
        MongoClientSettings settings;
        try
        {
            url = MongoUrl.Create(connectionString);
            // The credential is built here, so an unknown authMechanism (NotSupportedException) is found here too.
            settings = MongoClientSettings.FromUrl(url);
        }
        catch (Exception e) when (e is MongoConfigurationException or ArgumentException or FormatException or NotSupportedException)
        {
            // The parser's message can quote the URI, credentials included, so it is not passed on.
            throw new InvalidSettingException(
                $"{setting} is not a valid MongoDB URI; expected mongodb://[user:password@]host:27017/?replicaSet=rs0, " +
                "a : / ? # @ or % in the user or the password written %3A %2F %3F %23 %40 %25");
        }

        var acknowledgedBy = url.W ?? WriteConcern.WValue.Parse("majority");
        // The store learns what a write did from its acknowledgement: the rows written, and the duplicate-key answer that
        // keeps an older fetch from replacing a newer one.
        if (acknowledgedBy is WriteConcern.WCount { Value: 0 })
            throw new InvalidSettingException(
                $"{setting} asks for unacknowledged writes (w=0), which the store cannot use: remove w=0 (the default is w=majority)");
        settings.WriteConcern = new WriteConcern(
            acknowledgedBy,
            url.WTimeout ?? writeConcernTimeout ?? MongoStoreOptions.DefaultWriteConcernTimeout,
            url.FSync,
            url.Journal ?? true);
        settings.RetryWrites = url.RetryWrites ?? true;
        return settings;
    }

    /// <summary>The servers a client was given, as <c>host:port,host:port</c>: where it looks, said without the URI's credentials.</summary>
    public static string Hosts(MongoClientSettings settings) =>
        settings.Scheme == ConnectionStringScheme.MongoDBPlusSrv
            // The driver keeps the DNS name of a mongodb+srv:// URI with port 53; the servers are its SRV records.
            ? string.Join(",", settings.Servers.Select(server => $"{server.Host} (DNS SRV)"))
            : string.Join(",", settings.Servers.Select(server => $"{server.Host}:{server.Port}"));
}
