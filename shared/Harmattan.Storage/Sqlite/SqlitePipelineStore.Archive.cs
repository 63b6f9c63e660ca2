using System.Diagnostics;
using Harmattan.Storage.Archive;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Harmattan.Storage.Sqlite;

/// <summary>Reading the archive's shape and pruning it, in transactions short enough not to hold up the writers.</summary>
public sealed partial class SqlitePipelineStore
{
    /// <summary>Fetches deleted per transaction.</summary>
    private const int DeleteBatchSize = 500;

    /// <summary>Free space handed back to the file system per <c>incremental_vacuum</c> step, whatever the file's page size.</summary>
    private const int VacuumBytesPerStep = 4 * 1024 * 1024;

    public Task<IReadOnlyList<string>> GetArchivedStationIdsAsync(CancellationToken cancellationToken = default) =>
        WithConnectionAsync<IReadOnlyList<string>>(async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT DISTINCT station_id FROM raw_fetches ORDER BY station_id";
            var stations = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                stations.Add(reader.GetString(0));
            return stations;
        }, cancellationToken);

    public Task<IReadOnlyList<ArchivedFetch>> GetArchivedFetchesAsync(string stationId, CancellationToken cancellationToken = default) =>
        WithConnectionAsync<IReadOnlyList<ArchivedFetch>>(async connection =>
        {
            await using var command = connection.CreateCommand();
            // length() of a BLOB is its size in bytes without reading it; a legacy TEXT row is ASCII JSON, one byte a character.
            command.CommandText = """
                SELECT fetch_id, window_start, window_end, time_zone, fetched_at, length(readings)
                FROM raw_fetches
                WHERE station_id = $station_id
                ORDER BY window_start, fetched_at, fetch_id
                """;
            command.Parameters.AddWithValue("$station_id", stationId);
            var fetches = new List<ArchivedFetch>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                fetches.Add(new ArchivedFetch(Guid.Parse(reader.GetString(0)), stationId,
                    SqliteColumns.ParseInstant(reader.GetString(1)), SqliteColumns.ParseInstant(reader.GetString(2)),
                    reader.GetString(3), SqliteColumns.ParseInstant(reader.GetString(4)), reader.GetInt64(5)));
            return fetches;
        }, cancellationToken);

    public async Task<int> DeleteRawFetchesAsync(IReadOnlyCollection<ArchivedFetch> fetches, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetches);
        var deleted = 0;
        foreach (var batch in fetches.Chunk(DeleteBatchSize))
            deleted += await WithWriteConnectionAsync(async connection =>
            {
                await using var transaction = connection.BeginTransaction(deferred: false);
                await RequireKnownSchemaAsync(connection, transaction, DataSource, cancellationToken);
                await using var delete = Prepare(connection, transaction,
                    "DELETE FROM raw_fetches WHERE fetch_id = $fetch_id AND fetched_at = $fetched_at", "$fetch_id", "$fetched_at");
                var count = 0;
                foreach (var fetch in batch)
                {
                    Set(delete, fetch.FetchId.ToString("D"), SqliteColumns.Instant(fetch.FetchedAt));
                    count += await delete.ExecuteNonQueryAsync(cancellationToken);
                }
                await transaction.CommitAsync(cancellationToken);
                return count;
            }, cancellationToken);
        return deleted;
    }

    /// <summary>
    /// Hands the free pages back in steps (each a short write), then checkpoints the WAL into the main file and truncates
    /// both, so the file on disk shrinks. A checkpoint that a reader holds up is left for SQLite's next automatic one.
    /// </summary>
    public async Task ReclaimArchiveSpaceAsync(CancellationToken cancellationToken = default)
    {
        var pagesPerStep = VacuumBytesPerStep /
                           await WithConnectionAsync(connection => ScalarAsync(connection, "PRAGMA page_size;", cancellationToken), cancellationToken);
        // Stops when a step frees nothing more, which is also what a file without incremental auto-vacuum does.
        var free = long.MaxValue;
        while (true)
        {
            var left = await WithWriteConnectionAsync(async connection =>
            {
                await ExecuteAsync(connection, $"PRAGMA incremental_vacuum({pagesPerStep});", cancellationToken);
                return await ScalarAsync(connection, "PRAGMA freelist_count;", cancellationToken);
            }, cancellationToken);
            if (left == 0 || left >= free)
                break;
            free = left;
        }
        await WithConnectionAsync(connection => ScalarAsync(connection, "PRAGMA wal_checkpoint(TRUNCATE);", cancellationToken),
            cancellationToken);
    }

    /// <summary>
    /// Makes the file one that can shrink (<c>auto_vacuum = INCREMENTAL</c>). A new file takes the setting at once; an
    /// existing file made without it is rebuilt once with VACUUM, which needs up to its size free beside it (the write-ahead
    /// log) and again in SQLite's temporary folder (the copy), and holds every other writer off while it runs; without
    /// <paramref name="rebuild"/> such a file is left as it is.
    /// </summary>
    /// <exception cref="UnwritableStoreException">Either place ran out of space: the file is left as it was.</exception>
    private async Task EnsureIncrementalVacuumAsync(SqliteConnection connection, bool rebuild, CancellationToken cancellationToken)
    {
        const long Incremental = 2;
        if (await ScalarAsync(connection, "PRAGMA auto_vacuum;", cancellationToken) == Incremental)
            return;
        await ExecuteAsync(connection, "PRAGMA auto_vacuum = INCREMENTAL;", cancellationToken);
        if (!rebuild || await ScalarAsync(connection, "PRAGMA auto_vacuum;", cancellationToken) == Incremental)
            return;
        // Said before it starts: on a large archive the process is silent for minutes, and the other services wait.
        var size = File.Exists(DataSource) ? new FileInfo(DataSource).Length : 0;
        _logger.LogWarning(
            "Rebuilding {Store} ({SizeMiB:0.0} MiB) once with VACUUM, as it was made by an earlier version: until it ends, other writers wait and this process writes nothing; it needs up to its size in free disk space beside it and again in {TemporaryFolder}",
            Location, size / (1024.0 * 1024), SqliteTemporaryFolder());
        var started = Stopwatch.GetTimestamp();
        try
        {
            await ExecuteAsync(connection, "VACUUM;", cancellationToken);
        }
        catch (SqliteException e) when ((e.SqliteErrorCode & 0xFF) == SQLitePCL.raw.SQLITE_FULL)
        {
            throw RebuildOutOfSpace(DataSource, size, e);
        }
        // The rebuilt file went through the write-ahead log, which would stay as large as the store until a checkpoint.
        await ScalarAsync(connection, "PRAGMA wal_checkpoint(TRUNCATE);", cancellationToken);
        _logger.LogInformation("Rebuilt {Store} in {Elapsed:hh\\:mm\\:ss}", Location, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>SQLITE_FULL during the rebuild, which SQLite reports naming neither place it writes to.</summary>
    public static UnwritableStoreException RebuildOutOfSpace(string file, long size, SqliteException cause) => new(
        $"not enough free disk space to rebuild {Path.GetFullPath(file)} ({size / (1024.0 * 1024):0.0} MiB) once, as it was made by an " +
        $"earlier version: the rebuild needs up to its size free in {Path.GetDirectoryName(Path.GetFullPath(file))} and again in " +
        $"{SqliteTemporaryFolder()}; free some space, or point {(OperatingSystem.IsWindows() ? "TMP" : "SQLITE_TMPDIR")} to a folder with room, and start again (the store was left as it was)",
        cause);

    /// <summary>Where SQLite writes its temporary files on this machine, in its own order of choice.</summary>
    private static string SqliteTemporaryFolder() =>
        OperatingSystem.IsWindows() ? $"the temporary folder {Path.GetTempPath()}"
        : Environment.GetEnvironmentVariable("SQLITE_TMPDIR") is { Length: > 0 } sqliteTmp ? $"SQLITE_TMPDIR {sqliteTmp}"
        : Environment.GetEnvironmentVariable("TMPDIR") is { Length: > 0 } tmp ? $"TMPDIR {tmp}"
        : "SQLite's temporary folder (/var/tmp, or /tmp where /var/tmp cannot be written; SQLITE_TMPDIR sets another)";

    private static async Task<long> ScalarAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }
}
