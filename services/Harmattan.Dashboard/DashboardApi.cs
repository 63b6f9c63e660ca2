using System.Globalization;
using Harmattan.Contracts;
using Harmattan.Stations;
using Harmattan.Storage;
using Harmattan.Storage.Sqlite;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Harmattan.Dashboard;

/// <summary>
/// The read-only JSON API under <c>/api</c>. Daily rows carry the numbers <c>harmattan export</c> writes (mean, min,
/// max, count per quantity; hours covered, completeness, is_complete, is_running); a bad parameter is a 400 problem naming it and
/// the format expected, an unknown station a 404, a store that does not answer in time or was written by a newer version
/// of Harmattan a 503 (<see cref="StoreVersionGate"/>, <see cref="StoreUnavailableHandler"/>).
/// </summary>
public static class DashboardApi
{
    public const int RecentDays = 30;

    /// <summary>A bound on one answer's size: ten years of days, counting both ends of the range.</summary>
    public const int MaxDays = 3660;

    private const string DateFormat = "yyyy-MM-dd";

    /// <summary>
    /// The days a request may name: a default range before the first and the next day after the last, both shifted by
    /// a time zone's offset, stay within the dates .NET can represent.
    /// </summary>
    private static readonly DateOnly FirstDate = new(2, 1, 1), LastDate = new(9998, 12, 31);

    private const string DateExpected = "a date YYYY-MM-DD from 0002-01-01 to 9998-12-31";

    public static RouteGroupBuilder MapDashboardApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api");
        api.AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await AnswerAsync();
            }
            catch (Exception e) when (SqlitePipelineStore.IsReplacedFile(e))
            {
                // A SQLite store replaced at its path (restored, or removed and made again) fails the one read that finds it
                // replaced; the next reads the file now there, so the request is answered from it rather than failed.
                return await AnswerAsync();
            }

            async ValueTask<object?> AnswerAsync()
            {
                var http = context.HttpContext;
                await http.RequestServices.GetRequiredService<StoreVersionGate>().RequireKnownVersionAsync(http.RequestAborted);
                return await next(context);
            }
        });
        api.MapGet("/stations", ListStationsAsync);
        api.MapGet("/stations/{id}/daily", GetDailyAsync);
        api.MapGet("/stations/{id}/hourly", GetHourlyAsync);
        return api;
    }

    private static async Task<IResult> ListStationsAsync(StationDirectory stations, IPipelineStore store, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var summaries = new List<StationSummary>();
        foreach (var station in await stations.ListAsync(cancellationToken))
            summaries.Add(await SummariseAsync(store, station, now, cancellationToken));
        return Results.Ok(new StationsResponse(now, summaries));
    }

    private static async Task<StationSummary> SummariseAsync(IPipelineStore store, KnownStation station, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var activity = station.Activity;
        var to = station.Today(now);
        var from = to.AddDays(1 - RecentDays);
        var days = await store.GetDailyAveragesAsync(station.Id, from, to, cancellationToken);
        // Today before its first hour has ended is running, not missing.
        var withData = days.Where(d => d.HoursCovered > 0 || d.IsRunning(station.TimeZone.Id, now)).ToList();
        var complete = withData.Count(d => d.IsComplete);
        var recent = new RecentDaysSummary(from, to, complete, withData.Count - complete, RecentDays - withData.Count,
            // A day without a row, or without an hour, counts as 0 %.
            withData.Sum(d => d.Completeness) / RecentDays,
            withData.Count(d => d.IsRunning(station.TimeZone.Id, now)));
        return new StationSummary(station.Id, station.Name, station.TimeZone.Id, activity.LastReadingHour, activity.LastFetchedAt,
            activity.DataAge(now) is { } age ? (long)age.TotalSeconds : null, recent);
    }

    private static async Task<IResult> GetDailyAsync(string id, string? from, string? to, StationDirectory stations,
        IPipelineStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await stations.FindAsync(id, cancellationToken) is not { } station)
            return UnknownStation(id);
        var now = time.GetUtcNow();
        var today = station.Today(now);
        if (!TryParseDate(to, today, out var last))
            return BadParameter("to", to, $"{DateExpected} (default: today in the station's time zone)");
        // Not before the first date a request may name, so that the answer's 'from' can be asked for again.
        var recentFrom = last.AddDays(1 - RecentDays);
        if (!TryParseDate(from, recentFrom < FirstDate ? FirstDate : recentFrom, out var first))
            return BadParameter("from", from, $"{DateExpected} (default: {RecentDays} days up to 'to')");
        if (first > last)
            return BadParameter("from", from, $"{DateExpected}, on or before 'to' ({last.ToString(DateFormat, CultureInfo.InvariantCulture)})");
        if (last.DayNumber - first.DayNumber + 1 > MaxDays)
            // Without 'to' the request named only 'from', which is then the one to mend.
            return string.IsNullOrEmpty(to)
                ? BadParameter("from", from,
                    $"a date YYYY-MM-DD at most {MaxDays - 1} days before 'to', which is today when not given " +
                    $"({last.ToString(DateFormat, CultureInfo.InvariantCulture)}): on or after {last.AddDays(1 - MaxDays).ToString(DateFormat, CultureInfo.InvariantCulture)} " +
                    $"(a range of at most {MaxDays} days, 'from' and 'to' included); ask for a longer range in parts")
                : BadParameter("to", to,
                    $"a date YYYY-MM-DD at most {MaxDays - 1} days after 'from' (a range of at most {MaxDays} days, 'from' and 'to' included); ask for a longer range in parts");

        var days = await store.GetDailyAveragesAsync(id, first, last, cancellationToken);
        return Results.Ok(new DailyResponse(id, station.Name, station.TimeZone.Id, first, last,
            QuantityNames.InDisplayOrder(days.SelectMany(d => d.Quantities.Keys)),
            days.Select(day => DayRow.From(day, station.TimeZone, now)).ToList()));
    }

    private static async Task<IResult> GetHourlyAsync(string id, string? date, StationDirectory stations, IPipelineStore store,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (await stations.FindAsync(id, cancellationToken) is not { } station)
            return UnknownStation(id);
        if (string.IsNullOrEmpty(date) || !TryParseDate(date, default, out var day))
            return BadParameter("date", date, $"{DateExpected}: the station's local day whose hours to show");

        var daily = (await store.GetDailyAveragesAsync(id, day, day, cancellationToken)).FirstOrDefault();
        // A stored day was cut in the station's zone of its fetch, which may not be the zone of its latest one.
        var zone = StationsOptions.TryFindTimeZone(daily?.TimeZone, out var cutIn) ? cutIn : station.TimeZone;
        var start = DayWindows.StartOfDay(day, zone);
        var end = DayWindows.StartOfDay(day.AddDays(1), zone);
        var hours = await store.GetHourlyAveragesAsync(id, start, end, cancellationToken);
        return Results.Ok(new HourlyResponse(id, station.Name, zone.Id, day, start, DayWindows.HourStartsIn(start, end),
            daily is null ? null : DayRow.From(daily, station.TimeZone, time.GetUtcNow()),
            QuantityNames.InDisplayOrder(hours.SelectMany(h => h.Quantities.Keys)),
            hours.Select(h => new HourRow(TimeZoneInfo.ConvertTime(h.Hour, zone), QuantityNumbers.Of(h.Quantities))).ToList()));
    }

    private static bool TryParseDate(string? text, DateOnly whenAbsent, out DateOnly date)
    {
        if (string.IsNullOrEmpty(text))
        {
            date = whenAbsent;
            return true;
        }
        return DateOnly.TryParseExact(text, DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out date)
            && date >= FirstDate && date <= LastDate;
    }

    private static IResult BadParameter(string parameter, string? given, string expected) =>
        Results.Problem(
            statusCode: StatusCodes.Status400BadRequest,
            title: $"Invalid query parameter '{parameter}'",
            detail: $"'{parameter}' must be {expected}; got '{given}'.",
            extensions: new Dictionary<string, object?> { ["parameter"] = parameter, ["expected"] = expected });

    private static IResult UnknownStation(string id) =>
        Results.Problem(
            statusCode: StatusCodes.Status404NotFound,
            title: "Unknown station",
            detail: $"No station '{id}' is configured or has data in the store; GET /api/stations lists them.");
}

public sealed record StationsResponse(DateTimeOffset Now, IReadOnlyList<StationSummary> Stations);

/// <param name="DataAgeSeconds">Time since the end of the last stored hour; null without data.</param>
public sealed record StationSummary(string Id, string? Name, string TimeZone, DateTimeOffset? LastHour, DateTimeOffset? LastFetchedAt,
    long? DataAgeSeconds, RecentDaysSummary Last30Days);

/// <param name="Completeness">The mean of the days' completeness, a day without data counting 0.</param>
/// <param name="Running">Of the incomplete days, those not ended when fetched that the schedule still fetches again (<see cref="StoredDailyAverage.IsRunning(string?, DateTimeOffset)"/>).</param>
public sealed record RecentDaysSummary(DateOnly From, DateOnly To, int Complete, int Incomplete, int Missing, double Completeness, int Running);

public sealed record DailyResponse(string StationId, string? Name, string TimeZone, DateOnly From, DateOnly To,
    IReadOnlyList<string> Quantities, IReadOnlyList<DayRow> Days);

/// <param name="TimeZone">The zone the day was cut in; null where the store does not know it (docs/stored-data.md).</param>
/// <param name="IsRunning">Not complete, and the day had not ended when it was fetched, and the schedule still fetches it again: which says nothing of its data yet (<see cref="StoredDailyAverage.IsRunning(string?, DateTimeOffset)"/>).</param>
public sealed record DayRow(DateOnly Date, string? TimeZone, int HoursCovered, int HoursInDay, double Completeness, bool IsComplete,
    bool IsRunning, IReadOnlyDictionary<string, QuantityNumbers> Quantities)
{
    /// <param name="stationZone">The zone of a day that records none, as its hours are shown: the station's.</param>
    public static DayRow From(StoredDailyAverage day, TimeZoneInfo stationZone, DateTimeOffset now) =>
        new(day.Date, day.TimeZone, day.HoursCovered, day.HoursInDay, day.Completeness, day.IsComplete, day.IsRunning(stationZone.Id, now),
            QuantityNumbers.Of(day.Quantities));
}

/// <param name="TimeZone">The zone the day is cut in: the one its stored row was cut in, else the station's (<see cref="KnownStation.TimeZone"/>).</param>
/// <param name="Start">The UTC instant the local day begins.</param>
/// <param name="HoursInDay">The UTC hour starts in the day: 24, or 23 and 25 on days the clocks change.</param>
public sealed record HourlyResponse(string StationId, string? Name, string TimeZone, DateOnly Date, DateTimeOffset Start, int HoursInDay,
    DayRow? Day, IReadOnlyList<string> Quantities, IReadOnlyList<HourRow> Hours);

/// <param name="Hour">The start of the hour, at its UTC offset in the day's zone.</param>
public sealed record HourRow(DateTimeOffset Hour, IReadOnlyDictionary<string, QuantityNumbers> Quantities);

/// <summary>The numbers an export writes for one quantity; the means are null when no value was accepted.</summary>
public sealed record QuantityNumbers(double? Mean, double? Min, double? Max, int Count, int Rejected)
{
    /// <summary>
    /// The numbers of each quantity, in the order exports write their columns and the answers list their names
    /// (<see cref="QuantityNames.InDisplayOrder"/>) rather than the order the store happens to return them in.
    /// </summary>
    public static IReadOnlyDictionary<string, QuantityNumbers> Of(IReadOnlyDictionary<string, QuantityStats> quantities)
    {
        var ordered = new OrderedDictionary<string, QuantityNumbers>(quantities.Count, StringComparer.Ordinal);
        foreach (var name in QuantityNames.InDisplayOrder(quantities.Keys))
        {
            var stats = quantities[name];
            ordered.Add(name, new QuantityNumbers(stats.Mean, stats.Min, stats.Max, stats.Count, stats.Rejected));
        }
        return ordered;
    }
}
