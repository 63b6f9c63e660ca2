using Harmattan.Contracts;
using Harmattan.Storage;
using Spectre.Console;

namespace Harmattan.Cli.Pipeline;

public static class StationSelection
{
    /// <summary>
    /// The earliest day the commands that fetch or compute take: a day window and its time-zone offsets, a day either
    /// side of it, must stay within the calendar .NET can represent (from 0001-01-01).
    /// </summary>
    public static readonly DateOnly EarliestDay = new(2, 1, 1);

    /// <summary>
    /// The stations asked on the command line (or the configured ones) with their time zones, and the days to cover:
    /// from..to, or yesterday and today in each station's zone. Read from the configuration, so that a command checks
    /// what it was asked before it starts anything. A day that has begun for some of the stations but not yet in
    /// another's zone (today in UTC, still yesterday in New York) ends that station's range at its today, or leaves it
    /// out when its range has not begun, saying so.
    /// </summary>
    /// <param name="zonesOfUnconfigured">
    /// The time zone of an asked station that is not configured (by default UTC): <see cref="ResolveAsync"/> gives the
    /// zone its latest archived fetch was cut in, so that its today is the station's, not UTC's.
    /// </param>
    /// <exception cref="CliException">
    /// The configured stations are invalid, a day before <see cref="EarliestDay"/> was asked, or a day after today in
    /// every asked station's time zone: the source has no data for it yet.
    /// </exception>
    public static IReadOnlyList<StationDays> Resolve(IConfiguration configuration, IReadOnlyCollection<string> requested,
        DateOnly? from, DateOnly? to, TimeProvider time, IReadOnlyDictionary<string, TimeZoneInfo>? zonesOfUnconfigured = null)
    {
        var (configured, stations) = Asked(configuration, requested);
        if (from < EarliestDay || to < EarliestDay)
            throw CliException.Usage(
                $"--{(from < EarliestDay ? "from" : "to")} {(from < EarliestDay ? from : to):yyyy-MM-dd} is too early: " +
                $"the first allowed date is {EarliestDay:yyyy-MM-dd}.");

        var now = time.GetUtcNow();
        var withToday = stations
            .Select(station => (Station: station,
                Zone: !configured.Contains(station) && zonesOfUnconfigured?.GetValueOrDefault(station.Id) is { } zone ? zone : station.FindTimeZone()))
            .Select(s => (s.Station, s.Zone, Today: DayWindows.LocalDate(now, s.Zone)))
            .ToList();
        var ahead = withToday.MaxBy(s => s.Today);
        if (to > ahead.Today || from > ahead.Today)
            throw CliException.Usage(
                $"--{(to > ahead.Today ? "to" : "from")} {(to > ahead.Today ? to : from):yyyy-MM-dd} is in the future for station {ahead.Station.Id} " +
                $"(time zone {ahead.Zone.Id}): the last allowed date is {ahead.Today:yyyy-MM-dd}.");

        var days = new List<StationDays>();
        foreach (var (station, zone, today) in withToday)
        {
            if (from > today)
                AnsiConsole.MarkupLineInterpolated(
                    $"Station {station.Id} is left out: {from:yyyy-MM-dd} has not begun in its time zone {zone.Id}, where it is {today:yyyy-MM-dd}.");
            else if (to > today)
            {
                AnsiConsole.MarkupLineInterpolated(
                    $"Station {station.Id}: days to {today:yyyy-MM-dd}, its today in its time zone {zone.Id} ({to:yyyy-MM-dd} has not begun there).");
                days.Add(new StationDays(station.Id, zone, from ?? today.AddDays(-1), today));
            }
            else
                days.Add(new StationDays(station.Id, zone, from ?? today.AddDays(-1), to ?? today));
        }
        return days;
    }

    /// <summary>
    /// <see cref="Resolve"/> for a command that reads the store (<c>status</c>, <c>replay</c>): an asked station that is
    /// not configured has the zone its latest archived fetch was cut in (<see cref="ArchivedZonesAsync"/>).
    /// </summary>
    public static async Task<IReadOnlyList<StationDays>> ResolveAsync(IConfiguration configuration, IPipelineStore store,
        IReadOnlyCollection<string> requested, DateOnly? from, DateOnly? to, TimeProvider time, CancellationToken cancellationToken) =>
        Resolve(configuration, requested, from, to, time,
            await ArchivedZonesAsync(store, NotConfigured(configuration, requested), cancellationToken));

    /// <summary>
    /// The zone each station that is not configured (removed from <c>Stations</c>, or only ever backfilled) was last cut
    /// in: the command's configuration has none of its own, and its days are those its latest archived fetch cut, as the
    /// dashboard shows them. Counted in UTC instead, a station west of it would show tomorrow as a missing day and today as
    /// not running. A station with no archived fetch, or one of a zone unknown here, is left out (counted in UTC).
    /// </summary>
    private static async Task<IReadOnlyDictionary<string, TimeZoneInfo>> ArchivedZonesAsync(IPipelineStore store,
        IEnumerable<string> stationIds, CancellationToken cancellationToken)
    {
        var zones = new Dictionary<string, TimeZoneInfo>(StringComparer.Ordinal);
        foreach (var stationId in stationIds)
        {
            var activity = await store.GetStationActivityAsync(stationId, cancellationToken);
            if (StationsOptions.TryFindTimeZone(activity.LastFetchTimeZone, out var zone))
                zones[stationId] = zone;
        }
        return zones;
    }

    /// <summary>The asked station ids that are not configured, each checked against the extractor's rule.</summary>
    /// <exception cref="CliException">The configured stations are invalid, or an asked id breaks the rule.</exception>
    public static IReadOnlyList<string> NotConfigured(IConfiguration configuration, IReadOnlyCollection<string> requested)
    {
        var (configured, stations) = Asked(configuration, requested);
        return [.. stations.Except(configured).Select(s => s.Id)];
    }

    private static (IReadOnlyList<StationConfig> Configured, IReadOnlyList<StationConfig> Asked) Asked(IConfiguration configuration,
        IReadOnlyCollection<string> requested)
    {
        var options = new StationsOptions { Stations = StationsOptions.Read(configuration) };
        if (StationsOptions.Problem(configuration, options) is { } problem)
            throw CliException.Usage(problem);
        var configured = options.Stations;
        var stations = requested.Count == 0
            ? configured
            : requested.Distinct().Select(id => configured.FirstOrDefault(s => s.Id == id) ?? new StationConfig { Id = StationId.Validate(id) }).ToList();
        return (configured, stations);
    }

    public static FetchStationWindow Command(StationDays days, string requestedBy)
    {
        var window = DayWindows.ForDays(days.From, days.To, days.TimeZone);
        return new FetchStationWindow
        {
            StationId = days.StationId,
            WindowStart = window.Start,
            WindowEnd = window.End,
            TimeZone = days.TimeZone.Id,
            RequestedBy = requestedBy,
        };
    }

    /// <summary>Cuts the days into commands of at most <paramref name="chunkDays"/> days, so competing extractors share the work.</summary>
    public static IEnumerable<FetchStationWindow> Commands(StationDays days, int chunkDays, string requestedBy) =>
        days.Parts(chunkDays).Select(part => Command(part, requestedBy));
}
