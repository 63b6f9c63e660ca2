using Harmattan.Contracts;
using MassTransit;

namespace Harmattan.Extractor;

/// <summary>
/// Fetches one station's window from AirQino once and publishes it as <see cref="RawReadingsFetched"/> chunks of at
/// most <see cref="DayWindows.MaxDaysPerFetch"/> whole local days, so the transformer always sees whole days.
/// </summary>
public sealed class FetchStationWindowConsumer(AirQinoClient airQino, TimeProvider time, ILogger<FetchStationWindowConsumer> logger)
    : IConsumer<FetchStationWindow>
{
    public async Task Consume(ConsumeContext<FetchStationWindow> context)
    {
        var command = context.Message;
        StationId.Validate(command.StationId);
        if (command.WindowEnd <= command.WindowStart)
            throw new ArgumentException(
                $"FetchStationWindow for station {command.StationId} has an empty window: end {command.WindowEnd:O} is not after start {command.WindowStart:O}.");
        if (!StationsOptions.TryFindTimeZone(command.TimeZone, out var zone))
            throw new ArgumentException(
                $"FetchStationWindow for station {command.StationId} names an unknown time zone '{command.TimeZone}': use an IANA id such as UTC or Africa/Abidjan.");

        AirQinoFetch fetch;
        try
        {
            fetch = await airQino.GetHourlyAsync(command.StationId, command.WindowStart, command.WindowEnd, context.CancellationToken);
        }
        catch (AirQinoResponseException ex) when (ex.HasNoRows)
        {
            // Asking again gets the same empty answer, so the days are published without rows and stored as missing
            // at the source, where status and exports show the gap, instead of filling the error queue every hour.
            logger.LogWarning("{Reason} Its days are stored as missing at the source.", ex.Message);
            fetch = new AirQinoFetch
            {
                StationId = command.StationId,
                WindowStart = command.WindowStart,
                WindowEnd = command.WindowEnd,
                Source = ex.RequestUrl,
                Readings = [],
                RowsReceived = 0,
                RowsUnparseable = 0,
            };
        }
        var fetchedAt = time.GetUtcNow();
        var chunks = DayWindows.Split(command.WindowStart, command.WindowEnd, zone);

        foreach (var (window, readings) in Partition(fetch.Readings, chunks))
        {
            await context.Publish(new RawReadingsFetched
            {
                FetchId = FetchIds.For(command.StationId, window.Start, window.End, readings),
                StationId = command.StationId,
                WindowStart = window.Start,
                WindowEnd = window.End,
                TimeZone = command.TimeZone,
                Source = fetch.Source,
                FetchedAt = fetchedAt,
                Readings = readings,
            }, context.CancellationToken);
        }

        logger.LogInformation(
            "Fetched station {StationId} for {WindowStart:o} to {WindowEnd:o} ({RequestedBy}): {RowsReceived} rows received, " +
            "{RowsInWindow} in window, {RowsSkipped} skipped; published {Chunks} chunks",
            command.StationId, command.WindowStart, command.WindowEnd, command.RequestedBy, fetch.RowsReceived,
            fetch.RowsInWindow, fetch.RowsUnparseable, chunks.Count);
    }

    /// <summary>Each chunk with its readings, in source order; every reading is already inside the whole window.</summary>
    private static IEnumerable<(UtcWindow Window, List<RawReading> Readings)> Partition(IReadOnlyList<RawReading> readings,
        IReadOnlyList<UtcWindow> chunks)
    {
        var byChunk = chunks.Select(_ => new List<RawReading>()).ToArray();
        foreach (var reading in readings)
        {
            var index = FindChunk(chunks, reading.Hour);
            if (index >= 0)
                byChunk[index].Add(reading);
        }
        return chunks.Select((window, i) => (window, byChunk[i]));
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
