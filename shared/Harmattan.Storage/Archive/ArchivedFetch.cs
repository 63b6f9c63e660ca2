namespace Harmattan.Storage.Archive;

/// <summary>What the archive holds about one raw fetch, without its readings.</summary>
/// <param name="ReadingsBytes">Bytes its readings take in the store, as stored (compressed where the store compresses).</param>
public readonly record struct ArchivedFetch(
    Guid FetchId,
    string StationId,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    string TimeZone,
    DateTimeOffset FetchedAt,
    long ReadingsBytes);

/// <summary>The archived fetches of one station and the bytes their readings take.</summary>
public readonly record struct ArchiveStationSize(string StationId, long Fetches, long ReadingsBytes)
{
    public static ArchiveStationSize Of(string stationId, IEnumerable<ArchivedFetch> fetches)
    {
        long count = 0, bytes = 0;
        foreach (var fetch in fetches)
        {
            count++;
            bytes += fetch.ReadingsBytes;
        }
        return new ArchiveStationSize(stationId, count, bytes);
    }
}
