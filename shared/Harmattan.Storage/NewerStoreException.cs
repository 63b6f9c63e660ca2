namespace Harmattan.Storage;

/// <summary>
/// The store was written by a later version of Harmattan whose layout this version does not know: reading it could
/// misread it, and writing could damage what that version stored, so the store is refused and left as it is.
/// </summary>
/// <param name="store">The SQLite file, or which database of which MongoDB server.</param>
/// <param name="storedSchema">The schema version recorded in the store.</param>
/// <param name="knownSchema">The newest schema this version reads and writes.</param>
/// <param name="goBack">How to return to the earlier version's data, e.g. "a backup taken before the upgrade with `harmattan restore`".</param>
public sealed class NewerStoreException(string store, long storedSchema, long knownSchema, string goBack)
    : Exception($"{store} was written by a newer version of Harmattan (store schema {storedSchema}; this version knows up to " +
        $"{knownSchema}) and was left as it is: run the version that wrote it, or a later one, or restore {goBack}")
{
    public long StoredSchema { get; } = storedSchema;

    public long KnownSchema { get; } = knownSchema;
}
