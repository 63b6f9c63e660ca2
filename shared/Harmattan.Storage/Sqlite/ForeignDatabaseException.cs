namespace Harmattan.Storage.Sqlite;

/// <summary>
/// The SQLite file holds tables, none of them the store's: another application's database, given as the store by
/// mistake. It is refused, by a reader and by a writer alike, rather than read as an empty store or given the store's tables.
/// </summary>
/// <param name="tables">Some of the tables it holds, to name in the message.</param>
public sealed class ForeignDatabaseException(string file, IReadOnlyList<string> tables)
    : Exception($"{file} is not a Harmattan store: it holds {string.Join(", ", tables)} and none of the store's tables " +
        $"({string.Join(", ", SqlitePipelineStore.Tables)}); it was left as it is");
