using Microsoft.Data.Sqlite;

namespace Harmattan.Benchmarks.EndToEnd;

/// <summary>
/// Nothing lost on the way through the services: the averages they stored equal, byte for byte, those
/// <c>harmattan run</c> stored in one process from the same answers. Every column is compared but the source fetch's id
/// and times, which name a run's own fetches.
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
