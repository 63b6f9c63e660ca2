using Harmattan.Storage;
using Harmattan.Storage.Sqlite;

namespace Harmattan.Tests.Storage;

/// <summary>The store contract on a real SQLite file, a fresh one per test.</summary>
public sealed class SqlitePipelineStoreTests : PipelineStoreContract
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"harmattan-store-{Guid.NewGuid():N}.db");
    private readonly List<SqlitePipelineStore> _stores = [];

    protected override async Task<IPipelineStore> CreateStoreAsync()
    {
        var store = Open();
        await store.InitializeAsync(Ct);
        return store;
    }

    protected override Task<IPipelineStore> OpenAnotherStoreOnTheSameDataAsync() => Task.FromResult<IPipelineStore>(Open());

    protected override Task DisposeStoreAsync()
    {
        foreach (var store in _stores)
            store.Dispose();
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
            File.Delete(file);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task The_database_file_uses_write_ahead_logging()
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_path}");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";

        Assert.Equal("wal", await command.ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task A_missing_folder_is_created_on_initialisation()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"harmattan-store-{Guid.NewGuid():N}");
        using var store = new SqlitePipelineStore($"Data Source={Path.Combine(folder, "nested", "harmattan.db")}");
        try
        {
            await store.InitializeAsync(Ct);
            await store.PingAsync(Ct);
            Assert.True(File.Exists(Path.Combine(folder, "nested", "harmattan.db")));
        }
        finally
        {
            store.Dispose();
            Directory.Delete(folder, recursive: true);
        }
    }

    private SqlitePipelineStore Open()
    {
        var store = new SqlitePipelineStore($"Data Source={_path}");
        _stores.Add(store);
        return store;
    }
}
