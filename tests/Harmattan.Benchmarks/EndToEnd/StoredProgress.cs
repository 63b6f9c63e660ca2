using Harmattan.Cli.Pipeline;
using Harmattan.Storage;
using Microsoft.Data.Sqlite;

namespace Harmattan.Benchmarks.EndToEnd;

/// <summary>
/// How much of the run the store holds. SQLite is asked with one aggregate query, so polling it does not load the
/// machine being measured; MongoDB through the store port.
/// </summary>
public interface IStoredProgress
{
    /// <summary>Daily rows stored for the stations and days asked.</summary>
    Task<long> DailyRowsAsync(IReadOnlyList<StationDays> asked, CancellationToken cancellationToken);

    Task<long> HourlyRowsAsync(IReadOnlyList<StationDays> asked, CancellationToken cancellationToken);

    /// <summary>Per station, daily rows of the asked days whose averages come from a fetch made at or after <paramref name="notBefore"/>.</summary>
    Task<IReadOnlyDictionary<string, int>> DaysFetchedSinceAsync(IReadOnlyList<StationDays> asked, DateTimeOffset notBefore,
        CancellationToken cancellationToken);
}

public sealed class SqliteProgress(string path) : IStoredProgress
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly }.ToString();

    public Task<long> DailyRowsAsync(IReadOnlyList<StationDays> asked, CancellationToken cancellationToken) =>
        ScalarAsync("SELECT count(*) FROM daily_averages", cancellationToken);

    public Task<long> HourlyRowsAsync(IReadOnlyList<StationDays> asked, CancellationToken cancellationToken) =>
        ScalarAsync("SELECT count(*) FROM hourly_averages", cancellationToken);

    public async Task<IReadOnlyDictionary<string, int>> DaysFetchedSinceAsync(IReadOnlyList<StationDays> asked, DateTimeOffset notBefore,
        CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        if (!File.Exists(path))
            return counts;
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // Instants are stored as fixed-width UTC text, so text order is time order.
        command.CommandText = "SELECT station_id, count(*) FROM daily_averages WHERE date >= $from AND source_fetched_at >= $since GROUP BY station_id";
        command.Parameters.AddWithValue("$from", asked.Min(s => s.From).ToString("yyyy-MM-dd"));
        command.Parameters.AddWithValue("$since", notBefore.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'"));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            counts[reader.GetString(0)] = reader.GetInt32(1);
        return counts;
    }

    private async Task<long> ScalarAsync(string sql, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
            return 0;
        try
        {
            await using var connection = new SqliteConnection(_connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
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
    public async Task<long> DailyRowsAsync(IReadOnlyList<StationDays> asked, CancellationToken cancellationToken)
    {
        long rows = 0;
        foreach (var station in asked)
            rows += (await store.GetDailyAveragesAsync(station.StationId, station.From, station.To, cancellationToken)).Count;
        return rows;
    }

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
