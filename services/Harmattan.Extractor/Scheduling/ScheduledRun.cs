using Harmattan.Hosting;
using Harmattan.Stations;
using Harmattan.Storage;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Harmattan.Extractor.Scheduling;

/// <summary>
/// One scheduled run: warns about gaps the lookback cannot cover, then sends each station's
/// <c>FetchStationWindow</c> with its deterministic MessageId. The in-process schedule and <c>harmattan trigger</c> share it.
/// </summary>
public sealed class ScheduledRun(
    IBus bus,
    IServiceProvider services,
    IOptions<ScheduleOptions> schedule,
    IOptions<StationsOptions> stations,
    ILogger<ScheduledRun> logger)
{
    /// <summary>The store is optional: without one (or when it is unreachable) the run still fetches, without gap detection.</summary>
    private readonly IPipelineStore? _store = services.GetService<IPipelineStore>();

    public bool HasStore => _store is not null;

    public async Task<ScheduledRunResult> RunAsync(DateTimeOffset runAt, CancellationToken cancellationToken)
    {
        var lookbackDays = schedule.Value.LookbackDays;
        var plan = FetchSchedule.Plan(runAt, stations.Value.Stations, lookbackDays);

        var endpoint = await bus.GetSendEndpoint(BusRegistration.CommandAddress(QueueNames.FetchStationWindow, services));
        foreach (var fetch in plan)
        {
            await endpoint.Send(fetch.Command, context => context.MessageId = fetch.MessageId, cancellationToken);
            logger.LogInformation(
                "Scheduled fetch of station {StationId} for {WindowStart:yyyy-MM-ddTHH:mmZ}..{WindowEnd:yyyy-MM-ddTHH:mmZ} sent as {MessageId} (run hour {RunHour:yyyy-MM-ddTHH:mmZ})",
                fetch.Command.StationId, fetch.Command.WindowStart, fetch.Command.WindowEnd, fetch.MessageId, FetchSchedule.RunHour(runAt));
        }
        // After the sends: a slow or unreachable store may delay the warning, never the fetches.
        return new ScheduledRunResult(plan, StoreAnswered: await WarnAboutGapsAsync(runAt, lookbackDays, cancellationToken));
    }

    /// <returns>Whether the store answered every read.</returns>
    private async Task<bool> WarnAboutGapsAsync(DateTimeOffset runAt, int lookbackDays, CancellationToken cancellationToken)
    {
        if (_store is null)
            return false;
        try
        {
            // The store may have been upgraded since this extractor started, and a newer layout could be misread.
            await _store.RequireKnownSchemaAsync(cancellationToken);
        }
        catch (NewerStoreException newer)
        {
            logger.LogError("Gaps beyond the {LookbackDays}-day lookback are not detected: {Reason}. The scheduled fetches are sent as always",
                lookbackDays, newer.Message);
            return false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning("Could not read the store's schema version ({Reason}); gaps beyond the {LookbackDays}-day lookback are not detected in this run",
                ex.Message, lookbackDays);
            return false;
        }
        var neverFetched = 0;
        foreach (var station in stations.Value.Stations)
        {
            DateTimeOffset? fetchedUntil;
            try
            {
                // The fetches of this run, sent before, may be archived already: they would hide the gap they cannot fill.
                fetchedUntil = await _store.GetFetchedUntilAsync(station.Id, fetchedBefore: runAt, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning("Could not read station {StationId}'s last fetch from the store ({Reason}); gaps beyond the {LookbackDays}-day lookback are not detected in this run",
                    station.Id, ex.Message, lookbackDays);
                return false;
            }
            if (fetchedUntil is null)
                neverFetched++;
            if (FetchSchedule.FindGap(station, runAt, lookbackDays, fetchedUntil) is { } gap)
                logger.LogWarning(
                    "Station {StationId} was fetched up to {FetchedUntil:yyyy-MM-ddTHH:mmZ}: {GapDays} day(s) from {GapFrom:yyyy-MM-dd} to {GapTo:yyyy-MM-dd} lie before the {LookbackDays}-day lookback and will not be fetched by the schedule. Fill them with: {BackfillCommand}",
                    gap.StationId, gap.FetchedUntil, gap.Days, gap.From, gap.To, lookbackDays, gap.BackfillCommand);
        }
        // A new store, or one the services do not write (a misspelt MongoDB database reads as an empty one): no gap can be told.
        if (neverFetched > 0 && neverFetched == stations.Value.Stations.Count)
            logger.LogWarning(
                "{Store} holds no fetch of any configured station made before this run, as a new store does: days missed before the {LookbackDays}-day lookback cannot be told. If the services have fetched before, check that this is the store they write",
                _store.Holder, lookbackDays);
        return true;
    }
}

/// <param name="Fetches">The fetch commands sent.</param>
/// <param name="StoreAnswered">
/// The gap check read the store: a caller that reads it again afterwards will not wait on a store that is down.
/// </param>
public sealed record ScheduledRunResult(IReadOnlyList<ScheduledFetch> Fetches, bool StoreAnswered);
