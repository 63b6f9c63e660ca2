namespace Harmattan.Storage.Sqlite;

/// <summary>
/// The SQLite file was written by a later version of Harmattan whose tables this version does not know: reading them
/// could misread them, and writing could damage what that version stored, so the file is refused and left as it is.
/// </summary>
/// <param name="fileSchema">The schema version recorded in the file (its <c>user_version</c>).</param>
public sealed class NewerStoreException(string file, long fileSchema)
    : Exception($"{file} was written by a newer version of Harmattan (store schema {fileSchema}; this version knows up to " +
        $"{SqlitePipelineStore.SchemaVersion}) and was left as it is: run the version that wrote it, or a later one, or restore " +
        "a backup taken before the upgrade with `harmattan restore`");
