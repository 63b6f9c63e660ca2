using System.Globalization;
using System.Text;
using Harmattan.Contracts;
using Harmattan.Storage;
using Microsoft.Data.Sqlite;

namespace Harmattan.Benchmarks.EndToEnd;

/// <summary>
/// Nothing lost on the way through the services: the averages they stored equal those <c>harmattan run</c> stored in one
/// process from the same answers. Every field is compared but the source fetch's id and times, which name a run's own
/// fetches: on SQLite byte for byte, column by column; in MongoDB value for value, through the store port.
/// </summary>
public static class StoredResultComparison
{
    private const string HourlyColumns = "station_id, hour, quantities, algorithm_version";

    private const string DailyColumns =
        "station_id, date, hours_covered, hours_in_day, completeness, is_complete, quantities, algorithm_version, time_zone";

    /// <summary>The rows compared, or an <see cref="InvalidOperationException"/> naming the first difference.</summary>
    public static async Task<(long HourlyRows, long Days)> AssertEqualAsync(string servicesDb, string inMemoryDb)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = servicesDb, Mode = SqliteOpenMode.ReadOnly }.ToString());
        await connection.OpenAsync();
        await using (var attach = connection.CreateCommand())
        {
            attach.CommandText = "ATTACH DATABASE $path AS inmemory";
            attach.Parameters.AddWithValue("$path", inMemoryDb);
            await attach.ExecuteNonQueryAsync();
        }
        var hourly = await CompareAsync(connection, "hourly_averages", HourlyColumns);
        var days = await CompareAsync(connection, "daily_averages", DailyColumns);
        return (hourly, days);
    }

    /// <summary>
    /// The same check through the store port, where the two stores differ in kind: station by station, each row written
    /// out with every field but the source fetch's, doubles in their round-trip text and quantities in stored order.
    /// </summary>
    public static async Task<(long HourlyRows, long Days)> AssertEqualAsync(IPipelineStore services, IPipelineStore run,
        DateOnly firstDay, DateOnly lastDay)
    {
        var stations = await services.GetStationIdsAsync();
        var runStations = await run.GetStationIdsAsync();
        if (!stations.SequenceEqual(runStations))
            throw new InvalidOperationException(
                $"The services stored days of {stations.Count} stations and harmattan run of {runStations.Count}: " +
                $"[{string.Join(", ", stations)}] against [{string.Join(", ", runStations)}].");
        // A day is cut in its station's zone, so its hours can start up to a day either side of its UTC midnight.
        var (firstDate, lastDate) = (firstDay.AddDays(-1), lastDay.AddDays(1));
        var from = new DateTimeOffset(firstDate.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var to = new DateTimeOffset(lastDate.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        long hourlyRows = 0, days = 0;
        foreach (var station in stations)
        {
            hourlyRows += Compare("hourly_averages", station,
                (await services.GetHourlyAveragesAsync(station, from, to)).Select(Row),
                (await run.GetHourlyAveragesAsync(station, from, to)).Select(Row));
            days += Compare("daily_averages", station,
                (await services.GetDailyAveragesAsync(station, firstDate, lastDate)).Select(Row),
                (await run.GetDailyAveragesAsync(station, firstDate, lastDate)).Select(Row));
        }
        return (hourlyRows, days);
    }

    private static long Compare(string table, string station, IEnumerable<string> servicesRows, IEnumerable<string> runRows)
    {
        var (services, run) = (servicesRows.ToList(), runRows.ToList());
        // Up to the longer list, so that a row one side lacks is a difference too.
        var at = Enumerable.Range(0, Math.Max(services.Count, run.Count))
            .FirstOrDefault(i => services.ElementAtOrDefault(i) != run.ElementAtOrDefault(i), -1);
        if (at >= 0)
            throw new InvalidOperationException(
                $"The services stored {table} of station {station} that differ from harmattan run's ({services.Count:N0} rows " +
                $"against {run.Count:N0}). First difference, row {at:N0}: the services' {services.ElementAtOrDefault(at) ?? "none"}, " +
                $"run's {run.ElementAtOrDefault(at) ?? "none"}.");
        return services.Count;
    }

    private static string Row(StoredHourlyAverage row) => string.Create(CultureInfo.InvariantCulture,
        $"({row.StationId}, {row.Hour.UtcDateTime:O}, {Quantities(row.Quantities)}, version {row.AlgorithmVersion})");

    private static string Row(StoredDailyAverage row) => string.Create(CultureInfo.InvariantCulture,
        $"({row.StationId}, {row.Date:yyyy-MM-dd}, {row.HoursCovered}/{row.HoursInDay} hours, {row.Completeness:R}, " +
        $"complete {row.IsComplete}, {Quantities(row.Quantities)}, version {row.AlgorithmVersion}, {row.TimeZone ?? "no zone"})");

    private static string Quantities(IReadOnlyDictionary<string, QuantityStats> quantities)
    {
        var text = new StringBuilder("{");
        foreach (var (name, stats) in quantities)
            text.Append(CultureInfo.InvariantCulture,
                $"{name}: mean {Number(stats.Mean)} min {Number(stats.Min)} max {Number(stats.Max)} count {stats.Count} rejected {stats.Rejected}; ");
        return text.Append('}').ToString();
    }

    private static string Number(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? "null";

    private static async Task<long> CompareAsync(SqliteConnection connection, string table, string columns)
    {
        var onlyInServices = await FirstRowAsync(connection,
            $"SELECT {columns} FROM main.{table} EXCEPT SELECT {columns} FROM inmemory.{table} ORDER BY 1, 2 LIMIT 1");
        var onlyInMemory = await FirstRowAsync(connection,
            $"SELECT {columns} FROM inmemory.{table} EXCEPT SELECT {columns} FROM main.{table} ORDER BY 1, 2 LIMIT 1");
        var services = await CountAsync(connection, $"SELECT count(*) FROM main.{table}");
        var inMemory = await CountAsync(connection, $"SELECT count(*) FROM inmemory.{table}");
        if (onlyInServices is not null || onlyInMemory is not null || services != inMemory)
            throw new InvalidOperationException(
                $"The services stored {table} that differ from harmattan run's ({services:N0} rows against {inMemory:N0}). " +
                $"First row of the services' not in run's: {onlyInServices ?? "none"}. First row of run's not in the services': {onlyInMemory ?? "none"}.");
        return services;
    }

    private static async Task<string?> FirstRowAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
            return null;
        return "(" + string.Join(", ", Enumerable.Range(0, reader.FieldCount).Select(i => $"{reader.GetName(i)} {reader.GetValue(i)}")) + ")";
    }

    private static async Task<long> CountAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
