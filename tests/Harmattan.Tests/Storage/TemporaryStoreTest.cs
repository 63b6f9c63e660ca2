using Harmattan.Storage.Sqlite;

namespace Harmattan.Tests.Storage;

/// <summary>A test class whose every test starts on an empty SQLite pipeline store of its own, deleted afterwards.</summary>
public abstract class TemporaryStoreTest(string name) : IAsyncLifetime
{
    private readonly TemporarySqliteDatabase _database = new(name);

    protected SqlitePipelineStore Store { get; private set; } = null!;

    protected string ConnectionString => _database.ConnectionString;

    public async ValueTask InitializeAsync()
    {
        Store = new SqlitePipelineStore(_database.ConnectionString);
        await Store.InitializeAsync(TestContext.Current.CancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        Store.Dispose();
        _database.Dispose();
        return ValueTask.CompletedTask;
    }
}
