using Harmattan.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Harmattan.Tests.Storage;

/// <summary>
/// A store file as the versions before daily rows recorded their zone and check time wrote it (schema not recorded):
/// two days of one station, the first computed from a fetch still archived, the second from a fetch since pruned.
/// </summary>
internal static class EarlierStoreFile
{
    public const string Station = "283164601";
    public static readonly DateOnly FirstDay = new(2023, 6, 1);
    public static readonly DateTimeOffset FetchedAt = new(2023, 6, 2, 0, 5, 0, TimeSpan.Zero);
    public const string ArchivedFetchZone = "Europe/Paris";

    /// <summary>The raw archive's table in a file of an earlier version, in WAL mode as the store always set it.</summary>
    public const string RawFetchesTable = """
        PRAGMA journal_mode = WAL;
        CREATE TABLE raw_fetches (fetch_id TEXT NOT NULL PRIMARY KEY, station_id TEXT NOT NULL, window_start TEXT NOT NULL,
            window_end TEXT NOT NULL, time_zone TEXT NOT NULL, source TEXT NOT NULL, fetched_at TEXT NOT NULL, readings TEXT NOT NULL);
        """;

    public static async Task CreateAsync(string path, CancellationToken cancellationToken)
    {
        var archived = Guid.NewGuid();
        var fetchedAt = SqliteColumns.Instant(FetchedAt);
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync(cancellationToken);
        await using var create = connection.CreateCommand();
        create.CommandText = $$$"""
            PRAGMA auto_vacuum = INCREMENTAL;
            {{{RawFetchesTable}}}
            CREATE INDEX ix_raw_fetches_station_window ON raw_fetches (station_id, window_start, fetched_at);
            CREATE TABLE hourly_averages (station_id TEXT NOT NULL, hour TEXT NOT NULL, quantities TEXT NOT NULL,
                algorithm_version INTEGER NOT NULL, source_fetch_id TEXT NOT NULL, source_fetched_at TEXT NOT NULL,
                PRIMARY KEY (station_id, hour)) WITHOUT ROWID;
            CREATE TABLE daily_averages (station_id TEXT NOT NULL, date TEXT NOT NULL, hours_covered INTEGER NOT NULL,
                hours_in_day INTEGER NOT NULL, completeness REAL NOT NULL, is_complete INTEGER NOT NULL, quantities TEXT NOT NULL,
                algorithm_version INTEGER NOT NULL, source_fetch_id TEXT NOT NULL, source_fetched_at TEXT NOT NULL,
                PRIMARY KEY (station_id, date)) WITHOUT ROWID;
            INSERT INTO raw_fetches VALUES ('{{{archived:D}}}', '{{{Station}}}', '2023-05-31T22:00:00.0000000Z',
                '2023-06-01T22:00:00.0000000Z', '{{{ArchivedFetchZone}}}', 'https://example.org', '{{{fetchedAt}}}', '[]');
            INSERT INTO daily_averages VALUES ('{{{Station}}}', '{{{SqliteColumns.Date(FirstDay)}}}', 24, 24, 1.0, 1,
                '{"co":{"mean":0.5,"min":0.1,"max":0.9,"count":24,"rejected":0}}', 1, '{{{archived:D}}}', '{{{fetchedAt}}}');
            INSERT INTO daily_averages VALUES ('{{{Station}}}', '{{{SqliteColumns.Date(FirstDay.AddDays(1))}}}', 24, 24, 1.0, 1,
                '{"co":{"mean":0.7,"min":0.2,"max":1.1,"count":24,"rejected":0}}', 1, '{{{Guid.NewGuid():D}}}', '{{{fetchedAt}}}');
            PRAGMA wal_checkpoint(TRUNCATE);
            """;
        await create.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The columns of its daily table, to show it was left as the earlier version wrote it.</summary>
    public static async Task<IReadOnlyList<string>> DailyColumnsAsync(string path, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM pragma_table_info('daily_averages')";
        var columns = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            columns.Add(reader.GetString(0));
        return columns;
    }
}
