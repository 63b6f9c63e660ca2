using Harmattan.IntegrationTests.Support;

namespace Harmattan.IntegrationTests.Reliability;

/// <summary>The fault classes run one after another (they stop brokers and kill processes, and share two cores).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultSuite : ICollectionFixture<FaultSuiteFixture>
{
    public const string Name = "Faults";
}

/// <summary>
/// A dedicated RabbitMQ node for the whole suite, and the reference store: the same backfill run once with no fault.
/// </summary>
public sealed class FaultSuiteFixture : IAsyncLifetime
{
    private readonly string _referenceDir = Directory.CreateTempSubdirectory("harmattan-reference-").FullName;
    private readonly SemaphoreSlim _referenceLock = new(1, 1);
    private DedicatedRabbitMqNode? _node;
    private string? _referenceDb;

    public DedicatedRabbitMqNode Node => _node ?? throw new InvalidOperationException("The dedicated RabbitMQ node did not start.");

    public async ValueTask InitializeAsync() => _node = await DedicatedRabbitMqNode.StartAsync();

    /// <summary>The store of a fault-free backfill of the same data, built on first use.</summary>
    public async Task<string> ReferenceDbAsync()
    {
        await _referenceLock.WaitAsync();
        try
        {
            if (_referenceDb is not null)
                return _referenceDb;
            await using var pipeline = await FaultPipeline.StartAsync(Node);
            await using (var backfill = pipeline.StartBackfill())
                await pipeline.RunBackfillToCompletionAsync(backfill);
            await pipeline.StopServicesAsync();
            var copy = Path.Combine(_referenceDir, "reference.db");
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
                if (File.Exists(pipeline.DbPath + suffix))
                    File.Copy(pipeline.DbPath + suffix, copy + suffix);
            var self = StoreComparison.Compare(copy, copy);
            Assert.Equal(FaultPipeline.StationDays, self.StationDays);
            Assert.Equal(FaultPipeline.StationDays, self.RawFetches);
            return _referenceDb = copy;
        }
        finally
        {
            _referenceLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_node is not null)
            await _node.DisposeAsync();
        Directory.Delete(_referenceDir, recursive: true);
    }
}
