using Harmattan.Storage.Archive;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Harmattan.Storage.MongoDb;

/// <summary>
/// Reading the archive's shape and pruning it. Deletes go out as <c>deleteMany</c> by id in bounded batches, each a
/// short write; a TTL index could not keep the newest fetch of each day, so retention is decided here.
/// </summary>
public sealed partial class MongoPipelineStore
{
    /// <summary>Ids per deleteMany: about 20 KB of filter, well under the 16 MB command limit.</summary>
    private const int DeleteBatchSize = 500;

    public async Task<IReadOnlyList<string>> GetArchivedStationIdsAsync(CancellationToken cancellationToken = default)
    {
        var stations = await BoundedAsync($"a read of {MongoSchema.RawFetches}", async bounded =>
        {
            using var cursor = await _raw.DistinctAsync<string>(MongoSchema.StationId, FilterDefinition<BsonDocument>.Empty,
                cancellationToken: bounded);
            return await cursor.ToListAsync(bounded);
        }, cancellationToken);
        stations.Sort(StringComparer.Ordinal);
        return stations;
    }

    public async Task<IReadOnlyList<ArchivedFetch>> GetArchivedFetchesAsync(string stationId, CancellationToken cancellationToken = default)
    {
        var read = $"a read of {MongoSchema.RawFetches}";
        var documents = await ReadAllAsync(read, _raw.Find(MongoCommands.StationFilter(stationId))
            .Project(MongoArchive.FetchWithoutReadings)
            .Sort(MongoCommands.ByWindowStartThenFetchedAt), cancellationToken);

        // Fetches archived before readings_bytes was written are measured from their readings, once per call.
        var unmeasured = documents.Where(d => !d.Contains(MongoArchive.ReadingsBytes)).Select(d => d[MongoSchema.Id]).ToList();
        var measured = new Dictionary<BsonValue, long>();
        foreach (var ids in unmeasured.Chunk(DeleteBatchSize))
            foreach (var document in await ReadAllAsync(read, _raw.Find(MongoArchive.ById(ids)).Project(MongoArchive.ReadingsOnly), cancellationToken))
                measured[document[MongoSchema.Id]] = MongoArchive.SizeOf(document[MongoSchema.Readings].AsBsonArray);

        return documents.ConvertAll(d => MongoArchive.ToArchivedFetch(d,
            d.TryGetValue(MongoArchive.ReadingsBytes, out var bytes) ? bytes.ToInt64() : measured.GetValueOrDefault(d[MongoSchema.Id])));
    }

    public async Task<int> DeleteRawFetchesAsync(IReadOnlyCollection<ArchivedFetch> fetches, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetches);
        await RequireKnownSchemaAsync(cancellationToken);
        long deleted = 0;
        foreach (var batch in fetches.Chunk(DeleteBatchSize))
            deleted += (await BoundedAsync($"a delete from {MongoSchema.RawFetches}", bounded =>
                _raw.DeleteManyAsync(MongoArchive.AsListed(batch), bounded),
                cancellationToken)).DeletedCount;
        return (int)deleted;
    }

    /// <summary>WiredTiger reuses the space of deleted documents for new ones; giving it back to the disk is an operator's
    /// <c>compact</c>, which blocks the collection, so it is not run from here.</summary>
    public Task ReclaimArchiveSpaceAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;
}
