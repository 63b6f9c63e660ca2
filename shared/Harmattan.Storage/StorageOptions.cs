using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

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

    /// <summary>The section as configured; a provider that is not one of <see cref="StorageProvider"/> is reported by key.</summary>
    public static StorageOptions Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        try
        {
            return section.Get<StorageOptions>() ?? new StorageOptions();
        }
        catch (InvalidOperationException)
        {
            // The binder's own message names the enum's type, not the values to choose from.
            throw new OptionsValidationException(Section, typeof(StorageOptions),
                [$"Storage:Provider '{section["Provider"]}' is not a store: use {string.Join(" or ", Enum.GetNames<StorageProvider>())} (environment variable Storage__Provider)."]);
        }
    }
}
