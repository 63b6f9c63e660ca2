using System.Globalization;
using Harmattan.Cli.Pipeline;
using Harmattan.Storage;
using Microsoft.Data.Sqlite;

namespace Harmattan.Benchmarks.EndToEnd;

/// <summary>
/// How much of the run the store holds, asked of as few rows as the question needs: the benchmark polls while the
/// services it measures share the machine (a count of the whole daily table at a year of 100 stations reads 34 MB).
/// SQLite is read directly; MongoDB through the store port.
/// </summary>
public interface IStoredProgress
{
    /// <summary>Daily rows stored for one station's asked days.</summary>
    Task<long> DailyRowsAsync(StationDays station, CancellationToken cancellationToken);

    Task<long> HourlyRowsAsync(IReadOnlyList<StationDays> asked, CancellationToken cancellationToken);

    /// <summary>Per station, daily rows of the asked days whose averages come from a fetch made at or after <paramref name="notBefore"/>.</summary>
    Task<IReadOnlyDictionary<string, int>> DaysFetchedSinceAsync(IReadOnlyList<StationDays> asked, DateTimeOffset notBefore,
        CancellationToken cancellationToken);
}

/// <summary>
/// Daily rows stored by a backfill, counted station by station in the order the stations' commands were sent, which is
/// about the order they finish: a station found complete is not asked again, so a poll reads one or two stations' rows.
/// </summary>
public sealed class DailyRowsInSentOrder(IStoredProgress progress, IReadOnlyList<StationDays> asked)
{
    private int _completeStations;
    private long _completeRows;

    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        while (_completeStations < asked.Count)
        {
            var station = asked[_completeStations];
            var rows = await progress.DailyRowsAsync(station, cancellationToken);
            if (rows < station.DayCount)
                return _completeRows + rows;
            _completeRows += rows;
            _completeStations++;
        }
        return _completeRows;
    }
}

public sealed class SqliteProgress(string path) : IStoredProgress
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly }.ToString();

    public Task<long> DailyRowsAsync(StationDays station, CancellationToken cancellationToken) =>
        ScalarAsync("SELECT count(*) FROM daily_averages WHERE station_id = $station_id AND date BETWEEN $from AND $to",
            cancellationToken, ("$station_id", station.StationId), ("$from", Date(station.From)), ("$to", Date(station.To)));

    public Task<long> HourlyRowsAsync(IReadOnlyList<StationDays> asked, CancellationToken cancellationToken) =>
        ScalarAsync("SELECT count(*) FROM hourly_averages", cancellationToken);

    public async Task<IReadOnlyDictionary<string, int>> DaysFetchedSinceAsync(IReadOnlyList<StationDays> asked, DateTimeOffset notBefore,
        CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        if (asked.Count == 0 || !File.Exists(path))
            return counts;
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // Instants are stored as fixed-width UTC text, so text order is time order.
        // The stations' own rows (the table's key starts with the station), not a scan of every station's days.
        var stations = string.Join(", ", asked.Select((_, i) => $"$station_{i}"));
        command.CommandText = $"SELECT station_id, count(*) FROM daily_averages WHERE station_id IN ({stations}) " +
                              "AND date >= $from AND source_fetched_at >= $since GROUP BY station_id";
        for (var i = 0; i < asked.Count; i++)
            command.Parameters.AddWithValue($"$station_{i}", asked[i].StationId);
        command.Parameters.AddWithValue("$from", Date(asked.Min(s => s.From)));
        command.Parameters.AddWithValue("$since", notBefore.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'"));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            counts[reader.GetString(0)] = reader.GetInt32(1);
        return counts;
    }

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private async Task<long> ScalarAsync(string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        if (!File.Exists(path))
            return 0;
        try
        {
            await using var connection = new SqliteConnection(_connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
                command.Parameters.AddWithValue(name, value);
            return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SQLitePCL.raw.SQLITE_ERROR)
        {
            // The loader has not created the tables yet.
            return 0;
        }
    }
}

public sealed class StoreProgress(IPipelineStore store) : IStoredProgress
{
    public async Task<long> DailyRowsAsync(StationDays station, CancellationToken cancellationToken) =>
        (await store.GetDailyAveragesAsync(station.StationId, station.From, station.To, cancellationToken)).Count;

    public async Task<long> HourlyRowsAsync(IReadOnlyList<StationDays> asked, CancellationToken cancellationToken)
    {
        long rows = 0;
        foreach (var station in asked)
        {
            var from = new DateTimeOffset(station.From.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            var to = new DateTimeOffset(station.To.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            rows += (await store.GetHourlyAveragesAsync(station.StationId, from, to, cancellationToken)).Count;
        }
        return rows;
    }

    public async Task<IReadOnlyDictionary<string, int>> DaysFetchedSinceAsync(IReadOnlyList<StationDays> asked, DateTimeOffset notBefore,
        CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var station in asked)
            counts[station.StationId] = (await store.GetDailyAveragesAsync(station.StationId, station.From, station.To, cancellationToken))
                .Count(d => d.SourceFetchedAt >= notBefore);
        return counts;
    }
}
