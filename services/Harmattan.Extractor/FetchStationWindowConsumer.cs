using Harmattan.Contracts;
using Harmattan.Stations;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Harmattan.Extractor;

/// <summary>
/// Fetches one station's window from AirQino once and publishes it as <see cref="RawReadingsFetched"/> chunks of at
/// most <see cref="DayWindows.MaxDaysPerFetch"/> whole local days, so the transformer always sees whole days.
/// </summary>
public sealed class FetchStationWindowConsumer(AirQinoClient airQino, TimeProvider time, IOptions<StationsOptions> stations,
    ILogger<FetchStationWindowConsumer> logger)
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

        WarnOfAnotherZone(command, zone);

        // When it was asked for, not when the answer came: a day whose answer arrives after its last hour ended was asked
        // for before, and may lack that hour.
        var fetchedAt = time.GetUtcNow();
        AirQinoFetch fetch;
        try
        {
            fetch = await airQino.GetHourlyAsync(command.StationId, command.WindowStart, command.WindowEnd, context.CancellationToken);
        }
        catch (AirQinoResponseException ex) when (ex.HasNoRows)
        {
            // Asking again gets the same empty answer, so the days are published without rows and stored as missing
            // at the source, where status and exports show the gap, instead of filling the error queue every hour.
            logger.LogWarning(
                "{Reason} Its days are stored as missing at the source, except those already stored with rows, which keep their averages.",
                ex.Message);
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
        if (fetch.RowsUnparseable > 0)
            // Their hours read as not covered, like hours the source never sent: only this says the source did send them.
            logger.LogWarning(
                "AirQino's response for station {StationId} from {Source} has {RowsSkipped} of {RowsReceived} rows without the start " +
                "of an hour as timestamp (first: {FirstSkipped}; expected such as \"{Example}\"); they are left out, and their hours count as not covered.",
                command.StationId, fetch.Source, fetch.RowsUnparseable, fetch.RowsReceived, fetch.FirstUnparseable, AirQinoParser.ExampleTimestamp);
        // When the answer came: an hour that began during the client's retries is one the answer may hold.
        var answeredAt = time.GetUtcNow();
        if (fetch.Readings.Count(reading => DayWindows.IsAheadOf(reading.Hour, answeredAt)) is > 0 and var notBegun)
        {
            // Kept, they would read as data fresher than any measurement until their hour comes (status and the stale-data
            // alert silent meanwhile); the fetches once their hour has begun take them.
            logger.LogWarning(
                "AirQino's response for station {StationId} from {Source} has {RowsNotBegun} rows of hours that had not begun when it came " +
                "at {AnsweredAt:o} (first: {FirstNotBegun:o}); they are left out until a fetch after their hour has begun: check this machine's clock and the source's timestamps.",
                command.StationId, fetch.Source, notBegun, answeredAt, fetch.Readings.First(reading => DayWindows.IsAheadOf(reading.Hour, answeredAt)).Hour);
            fetch = fetch with { Readings = [.. fetch.Readings.Where(reading => !DayWindows.IsAheadOf(reading.Hour, answeredAt))] };
        }
        var messages = RawReadingsMessages.Cut(command, zone, fetch.Source, fetchedAt, fetch.Readings);
        foreach (var message in messages)
            await context.Publish(message, context.CancellationToken);

        logger.LogInformation(
            "Fetched station {StationId} for {WindowStart:o} to {WindowEnd:o} ({RequestedBy}): {RowsReceived} rows received, " +
            "{RowsInWindow} in window, {RowsSkipped} skipped; published {Chunks} chunks as fetches {FetchIds} (command {MessageId})",
            command.StationId, command.WindowStart, command.WindowEnd, command.RequestedBy, fetch.RowsReceived,
            fetch.RowsInWindow, fetch.RowsUnparseable, messages.Count, messages.Select(m => m.FetchId).ToArray(), context.MessageId);
    }

    /// <summary>
    /// The days are cut in the command's zone, which is right for a command of the services' own configuration. One sent
    /// with another (a trigger or backfill run with old settings, or queued before a change of zone) replaces the days of
    /// the same dates cut the other way, and hours near midnight end up in two days or in none.
    /// </summary>
    private void WarnOfAnotherZone(FetchStationWindow command, TimeZoneInfo commandZone)
    {
        if (stations.Value.Stations.FirstOrDefault(station => station.Id == command.StationId) is { } configured
            && StationsOptions.TryFindTimeZone(configured.TimeZone, out var configuredZone)
            && !TimeZoneRules.SameRules(commandZone.Id, configuredZone))
            logger.LogWarning(
                "FetchStationWindow for station {StationId} (requested by {RequestedBy}) cuts its days in {CommandTimeZone}, but this extractor's Stations:N:TimeZone for it is {ConfiguredTimeZone}: the days stored replace those of the same dates cut in the configured zone. Give what sent it (a harmattan trigger or backfill, a CronJob) the services' station configuration; a command sent before a change of zone is fetched as it was sent",
                command.StationId, command.RequestedBy, commandZone.Id, configuredZone.Id);
    }
}
