using Harmattan.Contracts;
using Harmattan.Extractor;
using Microsoft.Extensions.Options;

namespace Harmattan.Cli.Pipeline;

public static class StationSelection
{
    /// <summary>
    /// The stations asked on the command line (or the configured ones) with their time zones, and the days to cover:
    /// from..to, or yesterday and today in each station's zone.
    /// </summary>
    public static IReadOnlyList<StationDays> Resolve(IServiceProvider services, IReadOnlyCollection<string> requested,
        DateOnly? from, DateOnly? to, TimeProvider time)
    {
        var configured = services.GetRequiredService<IOptions<StationsOptions>>().Value.Stations;
        var stations = requested.Count == 0
            ? configured
            : requested.Distinct().Select(id =>
            {
                StationId.Validate(id);
                return configured.FirstOrDefault(s => s.Id == id) ?? new StationConfig { Id = id };
            }).ToList();

        return stations.Select(station =>
        {
            var zone = station.FindTimeZone();
            var today = DayWindows.LocalDate(time.GetUtcNow(), zone);
            return new StationDays(station.Id, zone, from ?? today.AddDays(-1), to ?? today);
        }).ToList();
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
    public static IEnumerable<FetchStationWindow> Commands(StationDays days, int chunkDays, string requestedBy)
    {
        for (var first = days.From; first <= days.To; first = first.AddDays(chunkDays))
        {
            var last = first.AddDays(chunkDays - 1);
            yield return Command(days with { From = first, To = last < days.To ? last : days.To }, requestedBy);
        }
    }
}
