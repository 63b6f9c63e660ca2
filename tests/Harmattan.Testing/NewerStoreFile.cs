using Harmattan.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Harmattan.Testing;

/// <summary>A store file as a later version of Harmattan would leave it: its recorded schema above this version's.</summary>
public static class NewerStoreFile
{
    public const long Schema = SqlitePipelineStore.SchemaVersion + 1;

    /// <summary>Records <see cref="Schema"/> in the store at <paramref name="path"/>, checkpointed into the file itself.</summary>
    public static Task MarkAsync(string path, CancellationToken cancellationToken) => RecordAsync(path, Schema, cancellationToken);

    /// <summary>Records <paramref name="schema"/> in the store at <paramref name="path"/>, checkpointed into the file itself.</summary>
    public static async Task RecordAsync(string path, long schema, CancellationToken cancellationToken)
    {
        SqliteConnection.ClearAllPools();
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync(cancellationToken);
        await using var stamp = connection.CreateCommand();
        stamp.CommandText = $"PRAGMA user_version = {schema}; PRAGMA wal_checkpoint(TRUNCATE);";
        await stamp.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The schema recorded in the store at <paramref name="path"/>, read without changing the file.</summary>
    public static async Task<long> ReadAsync(string path, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync(cancellationToken);
        await using var read = connection.CreateCommand();
        read.CommandText = "PRAGMA user_version;";
        return (long)(await read.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>What a command or service says when it refuses the file at <paramref name="path"/>.</summary>
    public static string Refusal(string path) =>
        $"{path} was written by a newer version of Harmattan (store schema {Schema}; this version knows up to " +
        $"{SqlitePipelineStore.SchemaVersion}) and was left as it is: run the version that wrote it, or a later one, or restore " +
        "a backup taken before the upgrade with `harmattan restore`";
}
