using Harmattan.Storage;
using Harmattan.Storage.MongoDb;
using MongoDB.Driver;

namespace Harmattan.Tests.Storage;

/// <summary>The store contract against a real MongoDB; each test gets its own database, dropped afterwards.</summary>
public sealed class MongoPipelineStoreContractTests : PipelineStoreContract
{
    private IMongoClient? _client;
    private string? _databaseName;

    protected override async Task<IPipelineStore> CreateStoreAsync()
    {
        var connectionString = await MongoTestServer.RequireAsync();
        _client = MongoTestServer.CreateClient(connectionString);
        _databaseName = MongoTestServer.FreshDatabaseName();
        var store = new MongoPipelineStore(_client, _databaseName);
        await store.InitializeAsync(Ct);
        return store;
    }

    protected override async Task DisposeStoreAsync()
    {
        if (_client is null)
            return;
        await _client.DropDatabaseAsync(_databaseName, CancellationToken.None);
        _client.Dispose();
    }
}
