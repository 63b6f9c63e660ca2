namespace Harmattan.Storage.MongoDb;

/// <summary>
/// The database was written by a later version of Harmattan whose documents this version does not know: reading them
/// could misread them, and writing could damage what that version stored, so the database is refused and left as it is.
/// </summary>
/// <param name="database">Which database of which server, e.g. "database harmattan of MongoDB at mongo1:27017".</param>
/// <param name="storedSchema">The schema version recorded in the database (its <c>store_info</c> document).</param>
public sealed class NewerMongoStoreException(string database, long storedSchema)
    : Exception($"{database} was written by a newer version of Harmattan (store schema {storedSchema}; this version knows up to " +
        $"{MongoPipelineStore.SchemaVersion}) and was left as it is: run the version that wrote it, or a later one, or restore " +
        "a dump taken before the upgrade with mongorestore");
