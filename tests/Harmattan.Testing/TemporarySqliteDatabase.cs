namespace Harmattan.Testing;

/// <summary>A SQLite database file in the temporary folder, deleted with its write-ahead log and shared-memory files.</summary>
public sealed class TemporarySqliteDatabase(string name) : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"harmattan-{name}-{Guid.NewGuid():N}.db");

    public string ConnectionString => $"Data Source={Path}";

    public void Dispose() => Delete(Path);

    /// <summary>Deletes each database and the -wal and -shm files SQLite keeps beside it; missing files are no error.</summary>
    public static void Delete(params string[] paths)
    {
        foreach (var path in paths)
            foreach (var file in new[] { path, path + "-wal", path + "-shm" })
                File.Delete(file);
    }
}
