using System.ComponentModel.DataAnnotations;

namespace Harmattan.Storage.MongoDb;

/// <summary>MongoDB settings beside <c>ConnectionStrings:MongoDb</c>, which holds the URI (and its credentials).</summary>
public sealed class MongoStoreOptions
{
    public const string Section = "Storage";
    public const string ConnectionStringName = "MongoDb";
    public const string DefaultConnectionString = "mongodb://localhost:27017/?replicaSet=rs0";

    [Required(ErrorMessage = "Storage:MongoDatabase must name a MongoDB database, e.g. harmattan")]
    [RegularExpression(@"^[^/\\. ""$*<>:|?]{1,63}$",
        ErrorMessage = "Storage:MongoDatabase must be 1 to 63 characters without / \\ . space \" $ * < > : | ?")]
    public string MongoDatabase { get; set; } = "harmattan";
}
