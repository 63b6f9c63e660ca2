using Harmattan.Contracts;
using Harmattan.Stations;

namespace Harmattan.Extractor;

/// <summary>The <see cref="RawReadingsFetched"/> messages of one fetch: its window cut at local midnights into chunks of whole days.</summary>
public static class RawReadingsMessages
{
    /// <summary>
    /// One message per chunk of at most <see cref="DayWindows.MaxDaysPerFetch"/> days of <paramref name="command"/>'s
    /// window, each with its readings in source order (a chunk without readings is still published, so its days are
    /// stored as missing at the source). Readings outside the window are left out.
    /// </summary>
    public static IReadOnlyList<RawReadingsFetched> Cut(FetchStationWindow command, TimeZoneInfo zone, string source,
        DateTimeOffset fetchedAt, IReadOnlyList<RawReading> readings)
    {
        var chunks = DayWindows.Split(command.WindowStart, command.WindowEnd, zone);
        var byChunk = chunks.Select(_ => new List<RawReading>()).ToArray();
        foreach (var reading in readings)
        {
            var index = FindChunk(chunks, reading.Hour);
            if (index >= 0)
                byChunk[index].Add(reading);
        }
        return chunks.Select((window, i) => new RawReadingsFetched
        {
            FetchId = FetchIds.For(command.StationId, window.Start, window.End, byChunk[i]),
            StationId = command.StationId,
            WindowStart = window.Start,
            WindowEnd = window.End,
            TimeZone = command.TimeZone,
            Source = source,
            FetchedAt = fetchedAt,
            Readings = byChunk[i],
        }).ToList();
    }

    private static int FindChunk(IReadOnlyList<UtcWindow> chunks, DateTimeOffset hour)
    {
        int low = 0, high = chunks.Count - 1;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            if (hour < chunks[middle].Start)
                high = middle - 1;
            else if (hour >= chunks[middle].End)
                low = middle + 1;
            else
                return middle;
        }
        return -1;
    }
}
