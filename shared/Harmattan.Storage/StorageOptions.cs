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

    [Required(ErrorMessage = "Storage:Provider is required: set it to Sqlite or MongoDb.")]
    public StorageProvider? Provider { get; set; } = StorageProvider.Sqlite;
}
