using System.ComponentModel.DataAnnotations;

namespace Harmattan.Storage;

public enum StorageProvider
{
    Sqlite,
    MongoDb,
}

public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>MongoDB is the production store; the CLI's all-in-one run and tests choose SQLite explicitly.</summary>
    [Required(ErrorMessage = "Storage:Provider is required: set it to Sqlite or MongoDb.")]
    public StorageProvider? Provider { get; set; } = StorageProvider.MongoDb;
}
