using System.ComponentModel.DataAnnotations;

namespace Harmattan.Storage.MongoDb;

/// <summary>MongoDB settings beside <c>ConnectionStrings:MongoDb</c>, which holds the URI (and its credentials).</summary>
public sealed class MongoStoreOptions
{
    public const string Section = "Storage";
    public const string ConnectionStringName = "MongoDb";
    public const string DefaultConnectionString = "mongodb://localhost:27017/?replicaSet=rs0";
    public static readonly TimeSpan DefaultWriteConcernTimeout = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan DefaultOperationTimeout = TimeSpan.FromSeconds(30);

    [Required(ErrorMessage = "Storage:MongoDatabase must name a MongoDB database, e.g. harmattan")]
    [RegularExpression(@"^[^/\\. ""$*<>:|?]{1,63}$",
        ErrorMessage = "Storage:MongoDatabase must be 1 to 63 characters without / \\ . space \" $ * < > : | ?")]
    public string MongoDatabase { get; set; } = "harmattan";

    /// <summary>
    /// How long the server waits for the write concern (a majority) before it answers with an error (wtimeout):
    /// without it a replica set that lost its majority holds every write, and the loader's batch, forever.
    /// A <c>wtimeoutMS</c> in the URI wins.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00",
        ErrorMessage = "Storage:MongoWriteConcernTimeout must be between 00:00:00.100 and 00:10:00.")]
    public TimeSpan MongoWriteConcernTimeout { get; set; } = DefaultWriteConcernTimeout;

    /// <summary>
    /// How long the loader waits for any answer to one store operation (server selection, the write, its
    /// acknowledgement) before it gives up: a server that accepts connections and never answers fails the
    /// write, so the message is retried and then moved to its <c>_error</c> queue rather than held forever.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:30:00",
        ErrorMessage = "Storage:MongoOperationTimeout must be between 00:00:00.100 and 00:30:00.")]
    public TimeSpan MongoOperationTimeout { get; set; } = DefaultOperationTimeout;

    /// <summary>The checks that data annotations cannot express; null when the options hold together.</summary>
    public static string? Validate(MongoStoreOptions options) =>
        RefusedDatabaseName(options.MongoDatabase) ?? (options.MongoOperationTimeout > options.MongoWriteConcernTimeout
            ? null
            : $"Storage:MongoOperationTimeout ({options.MongoOperationTimeout}) must be longer than Storage:MongoWriteConcernTimeout " +
              $"({options.MongoWriteConcernTimeout}), or the loader gives up before the server says why a write was not acknowledged.");

    /// <summary>
    /// Names MongoDB refuses, or keeps for itself, that the pattern above lets through. A name that differs from an existing
    /// database's only in case is refused by the server when the loader first writes, in its own words.
    /// </summary>
    private static string? RefusedDatabaseName(string? name)
    {
        if (name is null)
            return null;
        if (ReservedDatabases.Contains(name))
            return $"Storage:MongoDatabase must not be {name}: MongoDB keeps admin, local and config for itself (local is not even " +
                   "replicated). Use a database of its own, e.g. harmattan";
        var bytes = System.Text.Encoding.UTF8.GetByteCount(name);
        return bytes < 64 ? null
            : $"Storage:MongoDatabase must be under 64 bytes in UTF-8, MongoDB's limit: {name} takes {bytes}";
    }

    /// <summary>Case aside, as MongoDB refuses a database whose name differs from another's only in case.</summary>
    private static readonly HashSet<string> ReservedDatabases = new(["admin", "local", "config"], StringComparer.OrdinalIgnoreCase);
}
