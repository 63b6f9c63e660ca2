using Harmattan.Storage;
using Harmattan.Storage.MongoDb;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Harmattan.Tests.Storage;

/// <summary>The store contract against a real MongoDB; each test gets its own database, dropped afterwards.</summary>
public sealed class MongoPipelineStoreContractTests : PipelineStoreContract
{
    private readonly List<IMongoClient> _clients = [];
    private readonly string _databaseName = MongoTestServer.FreshDatabaseName();
    private string _connectionString = null!;

    protected override async Task<IPipelineStore> CreateStoreAsync()
    {
        _connectionString = await MongoTestServer.RequireAsync();
        var store = Open();
        await store.InitializeAsync(Ct);
        return store;
    }

    /// <summary>A second store with its own client, as a second loader process has.</summary>
    protected override Task<IPipelineStore> OpenAnotherStoreOnTheSameDataAsync() => Task.FromResult<IPipelineStore>(Open());

    protected override IPipelineStore OpenOnTheSameData(TimeProvider clock) => Open(clock);

    protected override async Task ForgetCheckTimesAsync()
    {
        // Whole replacements, not $unset: the wire stand-in mangles binary ids under update operators.
        var daily = _clients[0].GetDatabase(_databaseName).GetCollection<BsonDocument>(MongoSchema.DailyAverages);
        var documents = await daily.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync(Ct);
        Assert.NotEmpty(documents);
        foreach (var document in documents)
        {
            document.Remove(MongoSchema.SourceCheckedAt);
            document.Remove(MongoSchema.SourceCheckedAtTicks);
            await daily.ReplaceOneAsync(Builders<BsonDocument>.Filter.Eq(MongoSchema.Id, document[MongoSchema.Id]), document, cancellationToken: Ct);
        }
    }

    protected override async Task DisposeStoreAsync()
    {
        if (_clients.Count > 0)
            await _clients[0].DropDatabaseAsync(_databaseName, CancellationToken.None);
        foreach (var client in _clients)
            client.Dispose();
    }

    private MongoPipelineStore Open(TimeProvider? clock = null)
    {
        var client = MongoTestServer.CreateClient(_connectionString);
        _clients.Add(client);
        return new MongoPipelineStore(client, _databaseName, time: clock);
    }
}
