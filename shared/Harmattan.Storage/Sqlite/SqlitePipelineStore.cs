using System.Data.Common;
using Harmattan.Contracts;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Harmattan.Storage.Sqlite;

/// <summary>
/// The store on one SQLite file, shared by several processes (the three services on one machine): WAL lets readers
/// run beside the single writer, write transactions take the lock up front (BEGIN IMMEDIATE) and wait for it
/// (busy timeout), and a transaction that still meets a busy database is retried whole.
/// </summary>
public sealed partial class SqlitePipelineStore : IPipelineStore, IDisposable
{
    private const int DefaultBusyTimeoutSeconds = 10;
    private const int BusyAttempts = 5;

    /// <summary>
    /// The page size of a new file (SQLite's default is 4 KiB). Every page the loader changes is written twice, to the
    /// WAL and at the checkpoint, with two system calls per WAL frame; at 16 KiB the same rows take a quarter of the
    /// calls, and an archived fetch (a few KB compressed) stays in its row instead of spilling into overflow pages.
    /// A file keeps the page size it was made with: WAL mode does not change it afterwards.
    /// </summary>
    private const int NewFilePageSize = 16 * 1024;

    /// <summary>
    /// Each connection's page cache, in KiB (SQLite's default is 2,000). The operating system caches the file as well, and
    /// a connection's cache starts over whenever another connection has written, so a larger one bought the loader no
    /// CPU; with 16 KiB pages the default cost it about 8 MB at its peak (docs/performance.md).
    /// </summary>
    private const int PageCacheKiB = 1024;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS raw_fetches (
            fetch_id     TEXT NOT NULL PRIMARY KEY,
            station_id   TEXT NOT NULL,
            window_start TEXT NOT NULL,
            window_end   TEXT NOT NULL,
            time_zone    TEXT NOT NULL,
            source       TEXT NOT NULL,
            fetched_at   TEXT NOT NULL,
            readings     TEXT NOT NULL  -- Brotli-compressed JSON as a BLOB; rows archived before compression hold the JSON as TEXT
        );
        CREATE INDEX IF NOT EXISTS ix_raw_fetches_station_window ON raw_fetches (station_id, window_start, fetched_at);

        CREATE TABLE IF NOT EXISTS hourly_averages (
            station_id        TEXT    NOT NULL,
            hour              TEXT    NOT NULL,
            quantities        TEXT    NOT NULL,
            algorithm_version INTEGER NOT NULL,
            source_fetch_id   TEXT    NOT NULL,
            source_fetched_at TEXT    NOT NULL,
            PRIMARY KEY (station_id, hour)
        ) WITHOUT ROWID;

        CREATE TABLE IF NOT EXISTS daily_averages (
            station_id        TEXT    NOT NULL,
            date              TEXT    NOT NULL,
            hours_covered     INTEGER NOT NULL,
            hours_in_day      INTEGER NOT NULL,
            completeness      REAL    NOT NULL,
            is_complete       INTEGER NOT NULL,
            quantities        TEXT    NOT NULL,
            algorithm_version INTEGER NOT NULL,
            source_fetch_id   TEXT    NOT NULL,
            source_fetched_at TEXT    NOT NULL,
            time_zone         TEXT,  -- NULL only in rows stored before the column was added, of fetches no longer archived
            source_checked_at TEXT,  -- NULL in rows stored before the column was added: read as source_fetched_at
            PRIMARY KEY (station_id, date)
        ) WITHOUT ROWID;
        """;

    // A row is replaced only by a newer algorithm version, or by the same version from a fetch at least as recent: in
    // FetchTimeOrder's order, where a fetch time after $ahead_after (the store's clock and a tolerance) is older than every
    // other, which the row values (not ahead, time) compare.
    private const string UpsertHourly = """
        INSERT INTO hourly_averages (station_id, hour, quantities, algorithm_version, source_fetch_id, source_fetched_at)
        VALUES ($station_id, $hour, $quantities, $algorithm_version, $source_fetch_id, $source_fetched_at)
        ON CONFLICT (station_id, hour) DO UPDATE SET
            quantities = excluded.quantities,
            algorithm_version = excluded.algorithm_version,
            source_fetch_id = excluded.source_fetch_id,
            source_fetched_at = excluded.source_fetched_at
        WHERE excluded.algorithm_version > hourly_averages.algorithm_version
           OR (excluded.algorithm_version = hourly_averages.algorithm_version
               AND (excluded.source_fetched_at <= $ahead_after, excluded.source_fetched_at)
                   >= (hourly_averages.source_fetched_at <= $ahead_after, hourly_averages.source_fetched_at))
        """;

    // A day the source sent no row for never replaces one it sent rows for, whatever the version: an outage answering
    // nothing, or a day past what AirQino still serves, would otherwise erase good averages (see SourceCheckedAt). And so
    // that the order the two arrive in does not matter, a day with rows replaces a stored one without, whatever its
    // version or fetch time. The check time only moves forward: the later of the two fetches asked the source (both in
    // FetchTimeOrder's order, as in UpsertHourly).
    private const string UpsertDaily = """
        INSERT INTO daily_averages (station_id, date, hours_covered, hours_in_day, completeness, is_complete, quantities,
                                    algorithm_version, source_fetch_id, source_fetched_at, time_zone, source_checked_at)
        VALUES ($station_id, $date, $hours_covered, $hours_in_day, $completeness, $is_complete, $quantities,
                $algorithm_version, $source_fetch_id, $source_fetched_at, $time_zone, $source_fetched_at)
        ON CONFLICT (station_id, date) DO UPDATE SET
            hours_covered = excluded.hours_covered,
            hours_in_day = excluded.hours_in_day,
            completeness = excluded.completeness,
            is_complete = excluded.is_complete,
            quantities = excluded.quantities,
            algorithm_version = excluded.algorithm_version,
            source_fetch_id = excluded.source_fetch_id,
            source_fetched_at = excluded.source_fetched_at,
            time_zone = excluded.time_zone,
            source_checked_at = CASE
                WHEN (excluded.source_checked_at <= $ahead_after, excluded.source_checked_at)
                     >= (coalesce(daily_averages.source_checked_at, daily_averages.source_fetched_at) <= $ahead_after,
                         coalesce(daily_averages.source_checked_at, daily_averages.source_fetched_at))
                THEN excluded.source_checked_at
                ELSE coalesce(daily_averages.source_checked_at, daily_averages.source_fetched_at)
            END
        WHERE CASE
            WHEN NOT (excluded.hours_covered = 0 AND excluded.quantities = '{}')
                 AND daily_averages.hours_covered = 0 AND daily_averages.quantities = '{}' THEN 1
            WHEN excluded.hours_covered = 0 AND excluded.quantities = '{}'
                 AND NOT (daily_averages.hours_covered = 0 AND daily_averages.quantities = '{}') THEN 0
            ELSE excluded.algorithm_version > daily_averages.algorithm_version
                 OR (excluded.algorithm_version = daily_averages.algorithm_version
                     AND (excluded.source_fetched_at <= $ahead_after, excluded.source_fetched_at)
                         >= (daily_averages.source_fetched_at <= $ahead_after, daily_averages.source_fetched_at))
        END
        """;

    // For a day the source sent no row for that did not replace the stored one: the source was asked, and answered nothing.
    private const string CheckedDaily = """
        UPDATE daily_averages SET source_checked_at = $checked_at
        WHERE station_id = $station_id AND date = $date
          AND (coalesce(source_checked_at, source_fetched_at) <= $ahead_after, coalesce(source_checked_at, source_fetched_at))
              < ($checked_at <= $ahead_after, $checked_at)
        """;

    private const string InsertRawFetch = """
        INSERT INTO raw_fetches (fetch_id, station_id, window_start, window_end, time_zone, source, fetched_at, readings)
        VALUES ($fetch_id, $station_id, $window_start, $window_end, $time_zone, $source, $fetched_at, $readings)
        ON CONFLICT (fetch_id) DO NOTHING
        """;

    private const string RefetchRawFetch = """
        UPDATE raw_fetches SET fetched_at = $fetched_at, time_zone = $time_zone, source = $source
        WHERE fetch_id = $fetch_id AND (fetched_at <= $ahead_after, fetched_at) < ($fetched_at <= $ahead_after, $fetched_at)
        """;

    private readonly string _connectionString;
    /// <summary>
    /// The writers' first open of a file, which creates it when missing; unpooled, so that one pool holds the file's
    /// connections. Every other open of a file uses <see cref="_connectionString"/>, which never creates it: a file removed
    /// between the look for it and the open fails that open instead of being made again, empty. In memory, or named by a
    /// <c>file:</c> URI, both are the connection string given.
    /// </summary>
    private readonly string _creatingConnectionString;
    /// <summary>A file named by its path, which File.Exists can look for (not in memory, nor a file: URI).</summary>
    private readonly bool _isFile;
    private readonly int _busyTimeoutMilliseconds;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    /// <summary>Set once the store was opened: a file missing after that was removed or moved, and is not created again.</summary>
    private volatile bool _opened;

    /// <summary>
    /// The write transactions of this process take turns here before BEGIN IMMEDIATE. SQLite's busy handler waits for
    /// the lock by sleeping in growing steps (up to 100 ms), so the loader's two writers (archive and averages) would
    /// otherwise sleep past the moment the other one commits. Writers in other processes still meet the busy timeout.
    /// </summary>
    private readonly SemaphoreSlim _writeTurn = new(1, 1);

    /// <summary>Opened for reading as it is, of an earlier version: its daily rows may lack columns added since.</summary>
    private volatile bool _mayLackDailyColumns;

    /// <summary>
    /// Versions from before 2026-12-02 (schema 0, as every version before the file recorded its schema) store a daily row
    /// without its zone and, before compression, the archive's readings as text: in a file of schema 1 such a write is
    /// refused, in words their logs show. Those of 2026-12-02 and 03 that knew no schema write every column: nothing
    /// here tells them apart. <c>harmattan restore</c> refuses a backup whose triggers differ from this text
    /// (<see cref="TriggersAndViewsNotOfTheStoreAsync"/>): changed, it must still accept the text earlier stores hold.
    /// </summary>
    private const string RefuseWritersBeforeSchema1 = $"""
        CREATE TRIGGER IF NOT EXISTS {DailyRowsOfSchema0Refused} BEFORE INSERT ON daily_averages WHEN NEW.time_zone IS NULL
        BEGIN SELECT RAISE(ABORT, {RefusalOfWritersBeforeSchema1}); END;
        CREATE TRIGGER IF NOT EXISTS raw_fetches_written_by_schema_0 BEFORE INSERT ON raw_fetches WHEN typeof(NEW.readings) = 'text'
        BEGIN SELECT RAISE(ABORT, {RefusalOfWritersBeforeSchema1}); END;
        """;

    /// <summary>The trigger whose presence says both were created and the zones of such a version's days filled.</summary>
    private const string DailyRowsOfSchema0Refused = "daily_averages_written_by_schema_0";

    private const string RefusalOfWritersBeforeSchema1 =
        "'this store was upgraded by a newer version of Harmattan (store schema 1), which this version cannot write correctly: " +
        "run that version or a later one'";

    /// <summary>The zone a daily row was cut in, as the archived fetch it was computed from recorded it.</summary>
    private const string ZoneOfSourceFetch = "(SELECT time_zone FROM raw_fetches WHERE fetch_id = daily_averages.source_fetch_id)";

    public SqlitePipelineStore(string connectionString, ILogger<SqlitePipelineStore>? logger = null, TimeProvider? time = null)
    {
        _logger = logger ?? NullLogger<SqlitePipelineStore>.Instance;
        _time = time ?? TimeProvider.System;
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new SqliteConnectionStringBuilder(connectionString);
        // "Default Timeout" (seconds) is how long a write waits for another process's lock before it is retried.
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!given.ContainsKey("Default Timeout") && !given.ContainsKey("Command Timeout"))
            builder.DefaultTimeout = DefaultBusyTimeoutSeconds;
        _busyTimeoutMilliseconds = builder.DefaultTimeout * 1000;
        DataSource = builder.DataSource;
        _isFile = DataSource is not ("" or ":memory:") && builder.Mode != SqliteOpenMode.Memory
                  && !DataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase);
        _creatingConnectionString = _isFile ? new SqliteConnectionStringBuilder(builder.ToString()) { Pooling = false }.ToString() : builder.ToString();
        if (_isFile && builder.Mode == SqliteOpenMode.ReadWriteCreate)
            builder.Mode = SqliteOpenMode.ReadWrite;
        _connectionString = builder.ToString();
    }

    /// <summary>
    /// The shape of the store's tables, recorded in the file (<c>PRAGMA user_version</c>) so that an older version refuses a
    /// file it would misread. Raise it with any change an older version cannot read or write correctly. 0 is a file
    /// made before the version was recorded, migrated as it is opened.
    /// </summary>
    public const long SchemaVersion = 1;

    /// <summary>The store's tables: a file holding none of them is no store.</summary>
    public static readonly IReadOnlyList<string> Tables = ["daily_averages", "hourly_averages", "raw_fetches"];

    /// <summary>The database file (or <c>:memory:</c>).</summary>
    public string DataSource { get; }

    public string Location => $"SQLite {DataSource}";

    /// <exception cref="ForeignDatabaseException">The file is another application's database: left as it is.</exception>
    /// <exception cref="UnwritableStoreException">The path cannot hold a store this process may write (a folder, a folder
    /// that cannot be made, a file or folder this user may not write), named with the setting to check.</exception>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await OpenAsync(forWriting: true, cancellationToken);
        }
        catch (SqliteException e) when (_isFile && IsDeniedOrUnopenable(e))
        {
            // SQLite's own words (the cause, which the reports add) name neither the file nor what to check.
            var file = Path.GetFullPath(DataSource);
            throw new UnwritableStoreException(Directory.Exists(file)
                ? $"{file} is a folder: name the store's file, e.g. {Path.Combine(file, "harmattan.db")} ({PathSettings})"
                : $"cannot write the store at {file}: check the path ({PathSettings}), and that this user may write that file and " +
                  $"create files in {Path.GetDirectoryName(file)} (SQLite keeps the store's -wal and -shm there)", e);
        }
    }

    /// <summary>
    /// SQLITE_READONLY or SQLITE_CANTOPEN, but for a replaced file's (<see cref="IsReplacedFile"/>): SQLite's answers to a
    /// user without the rights a store needs, or to a folder given as the file, whose own words name neither.
    /// </summary>
    public static bool IsDeniedOrUnopenable(SqliteException e) =>
        (e.SqliteErrorCode & 0xFF) is SQLitePCL.raw.SQLITE_READONLY or SQLitePCL.raw.SQLITE_CANTOPEN && !IsReplacedFile(e);

    private const string PathSettings = "ConnectionStrings__Sqlite; --db for the harmattan command";

    /// <summary>
    /// For a command that only reads: a path with no file, or a file without a table, is refused (the missing file is not
    /// even opened, which would create it); a store is read as it is, even one of an earlier version: a command that only
    /// reads (a backup, an export) writes nothing into it, and a read-only file reads. The loader, <c>run</c> and
    /// <c>archive prune</c> bring it up to date (a large archive's rebuild takes minutes and holds the loader's writes off).
    /// </summary>
    /// <exception cref="ForeignDatabaseException">The file is another application's database.</exception>
    /// <exception cref="StoreNotReadyException">No file at the path, or one without a table: a reader creates no store, so
    /// that a mistyped path is not read as an empty one.</exception>
    public Task PrepareForReadingAsync(CancellationToken cancellationToken = default) =>
        // Not opened: opening creates the file.
        _isFile && !File.Exists(DataSource) ? throw (_opened ? Gone() : NoStore()) : OpenAsync(forWriting: false, cancellationToken);

    private StoreNotReadyException Gone() =>
        new($"{Path.GetFullPath(DataSource)} is gone (removed or moved while this process ran?): restore it, or restart the loader (or `harmattan run`) to create a new store");

    private StoreNotReadyException NoStore() =>
        new($"no store at {Path.GetFullPath(DataSource)}: check ConnectionStrings__Sqlite; the loader creates the store when it starts");

    private async Task OpenAsync(bool forWriting, CancellationToken cancellationToken)
    {
        if (DataSource is not ("" or ":memory:") && Path.GetDirectoryName(Path.GetFullPath(DataSource)) is { Length: > 0 } directory)
        {
            try
            {
                Directory.CreateDirectory(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UnwritableStoreException(
                    $"cannot make the folder {directory} of the store at {Path.GetFullPath(DataSource)}: check the path ({PathSettings})", e);
            }
        }

        // Once opened, never created again: a file gone since was removed or moved.
        await WithConnectionAsync(mayCreate: forWriting && !_opened, async connection =>
        {
            var tables = await TablesInAsync(connection, cancellationToken);
            if (!forWriting && tables.Count == 0 && _isFile)
                throw NoStore();
            // Another application's database is neither read as an empty store nor given the store's tables: the writer's
            // rebuild would change its journal mode, its auto_vacuum and its user_version.
            RefuseForeign(DataSource, tables);
            var fileSchema = await RequireKnownSchemaAsync(connection, DataSource, cancellationToken);
            if (!forWriting && Tables.All(tables.Contains))
            {
                _mayLackDailyColumns = fileSchema < SchemaVersion;
                return 0;
            }
            // Before anything is written: it only takes effect on an empty file.
            await ExecuteAsync(connection, $"PRAGMA page_size = {NewFilePageSize};", cancellationToken);
            await EnsureIncrementalVacuumAsync(connection, rebuild: forWriting, cancellationToken);
            // WAL is a property of the file: set once, every later connection (from any process) uses it.
            await ExecuteAsync(connection, "PRAGMA journal_mode = WAL;", cancellationToken);
            await ExecuteAsync(connection, Schema, cancellationToken);
            // Files made before daily rows recorded their zone: filled from the archived fetch each row was computed from
            // (which recorded the zone its days were cut in); a row whose fetch was pruned keeps NULL.
            await AddDailyColumnAsync(connection, "time_zone", $"""
                ALTER TABLE daily_averages ADD COLUMN time_zone TEXT;
                UPDATE daily_averages SET time_zone = {ZoneOfSourceFetch};
                """, cancellationToken);
            await AddDailyColumnAsync(connection, "source_checked_at",
                "ALTER TABLE daily_averages ADD COLUMN source_checked_at TEXT;", cancellationToken);
            // A version that recorded no schema cannot tell that the file is newer: the file itself refuses its writes, and
            // what such a version stored until then is filled in as the column's migration filled the rows before it.
            if (await ScalarAsync(connection, $"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = '{DailyRowsOfSchema0Refused}'", cancellationToken) == 0)
                await ExecuteAsync(connection, $"""
                    {RefuseWritersBeforeSchema1}
                    UPDATE daily_averages SET time_zone = {ZoneOfSourceFetch} WHERE time_zone IS NULL;
                    """, cancellationToken);
            if (await ScalarAsync(connection, "PRAGMA user_version;", cancellationToken) is var upgradedFrom && upgradedFrom < SchemaVersion)
            {
                await ExecuteAsync(connection, $"PRAGMA user_version = {SchemaVersion};", cancellationToken);
                if (tables.Count > 0)
                    _logger.LogWarning(
                        "Upgraded {Store} from store schema {From} to {To}: stop any older Harmattan that still writes it (a backup taken before the upgrade is the way back)",
                        Location, upgradedFrom, SchemaVersion);
            }
            _mayLackDailyColumns = false;
            return 0;
        }, cancellationToken);
        _opened = true;
    }

    /// <summary>
    /// The store schema recorded in the file (0 for a new file or one of a version before it was recorded), refusing one
    /// newer than <see cref="SchemaVersion"/>.
    /// </summary>
    /// <exception cref="NewerStoreException">The file's schema is newer.</exception>
    public static Task<long> RequireKnownSchemaAsync(SqliteConnection connection, string file, CancellationToken cancellationToken) =>
        RequireKnownSchemaAsync(connection, null, file, cancellationToken);

    /// <summary>
    /// Inside a write's own transaction, which holds the file's write lock, so that no newer version can upgrade the file
    /// between this read and the write's commit.
    /// </summary>
    private static async Task<long> RequireKnownSchemaAsync(SqliteConnection connection, SqliteTransaction? transaction, string file,
        CancellationToken cancellationToken)
    {
        var fileSchema = await ScalarAsync(connection, transaction, "PRAGMA user_version;", cancellationToken);
        return fileSchema <= SchemaVersion ? fileSchema : throw new NewerStoreException(file, fileSchema, SchemaVersion,
            "a backup taken before the upgrade with `harmattan restore`");
    }

    public Task<long> RequireKnownSchemaAsync(CancellationToken cancellationToken = default) =>
        WithConnectionAsync(connection => RequireKnownSchemaAsync(connection, DataSource, cancellationToken), cancellationToken);

    public long KnownSchema => SchemaVersion;

    /// <summary>Refuses a file whose <paramref name="tables"/> are there and none of them the store's.</summary>
    /// <exception cref="ForeignDatabaseException">The file is another application's database.</exception>
    public static void RefuseForeign(string file, IReadOnlyList<string> tables)
    {
        if (tables.Count > 0 && !tables.Intersect(Tables).Any())
            throw new ForeignDatabaseException(file, [.. tables.Take(3)]);
    }

    /// <summary>The tables of the database <paramref name="connection"/> has open, SQLite's own left out, by name.</summary>
    public static async Task<IReadOnlyList<string>> TablesInAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT name FROM sqlite_master
            WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
            ORDER BY name
            """;
        var tables = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                tables.Add(reader.GetString(0));
        return tables;
    }

    /// <summary>
    /// The triggers and views of the database <paramref name="connection"/> has open that the store does not create, or
    /// whose text differs from the store's, by name: a trigger acts on every later write, so a file that carries one of
    /// its own is no store to take in as it is.
    /// </summary>
    public static async Task<IReadOnlyList<string>> TriggersAndViewsNotOfTheStoreAsync(SqliteConnection connection,
        CancellationToken cancellationToken)
    {
        var own = await StoreTriggersAndViews.Value;
        return [.. (await TriggersAndViewsInAsync(connection, cancellationToken))
            .Where(found => !own.Contains(found))
            .Select(found => found.Name)];
    }

    /// <summary>The triggers and views a store of this version is made with (earlier schemas had fewer, none other).</summary>
    private static readonly Lazy<Task<HashSet<(string Name, string Sql)>>> StoreTriggersAndViews = new(async () =>
    {
        await using var made = new SqliteConnection("Data Source=:memory:");
        await made.OpenAsync();
        await ExecuteAsync(made, Schema + RefuseWritersBeforeSchema1, CancellationToken.None);
        return [.. await TriggersAndViewsInAsync(made, CancellationToken.None)];
    });

    /// <remarks>Compared with runs of white space as one space, which an indentation of the text it was made from changes.</remarks>
    private static async Task<List<(string Name, string Sql)>> TriggersAndViewsInAsync(SqliteConnection connection,
        CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type IN ('trigger', 'view') ORDER BY name";
        var found = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            found.Add((reader.GetString(0), string.Join(' ', reader.GetString(1).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))));
        return found;
    }

    /// <summary>
    /// Gives a file made before daily rows had <paramref name="column"/> the column, by <paramref name="migration"/>.
    /// Checked again inside the write transaction: the services open the same file at the same time.
    /// </summary>
    private static async Task AddDailyColumnAsync(SqliteConnection connection, string column, string migration,
        CancellationToken cancellationToken)
    {
        if (await HasDailyColumnAsync(connection, null, column, cancellationToken))
            return;
        await using var transaction = connection.BeginTransaction(deferred: false);
        if (!await HasDailyColumnAsync(connection, transaction, column, cancellationToken))
        {
            await using var migrate = connection.CreateCommand();
            migrate.Transaction = transaction;
            migrate.CommandText = migration;
            await migrate.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task<bool> HasDailyColumnAsync(SqliteConnection connection, SqliteTransaction? transaction, string column,
        CancellationToken cancellationToken) =>
        await ScalarAsync(connection, transaction,
            $"SELECT count(*) FROM pragma_table_info('daily_averages') WHERE name = '{column}'", cancellationToken) > 0;

    /// <summary>
    /// The zone and check time of the daily rows, as <see cref="GetDailyAveragesAsync"/> selects them. A file of an
    /// earlier version read as it is answers them as its migration would fill them in: the zone of the archived fetch
    /// each row was computed from, and no check later than the fetch. Asked of the file while it may lack them: the
    /// loader may bring it up to date while a reader has it open.
    /// </summary>
    private async Task<string> DailyZoneAndCheckColumnsAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        const string CheckedAt = "coalesce(source_checked_at, source_fetched_at)";
        if (!_mayLackDailyColumns)
            return $"time_zone, {CheckedAt}";
        var hasZone = await HasDailyColumnAsync(connection, null, "time_zone", cancellationToken);
        var hasCheck = await HasDailyColumnAsync(connection, null, "source_checked_at", cancellationToken);
        _mayLackDailyColumns = !(hasZone && hasCheck);
        return $"{(hasZone ? "time_zone" : ZoneOfSourceFetch)}, {(hasCheck ? CheckedAt : "source_fetched_at")}";
    }

    private static async Task<long> ScalarAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql,
        CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// The store answers and holds its tables. A file removed while the process runs is not opened, which would create an
    /// empty one at its path that answers any query while every write fails.
    /// </summary>
    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        if (_isFile && !File.Exists(DataSource))
            throw Gone();
        var tables = await WithConnectionAsync(connection => TablesInAsync(connection, cancellationToken), cancellationToken);
        if (Tables.Except(tables).ToList() is { Count: > 0 } missing)
            throw new StoreNotReadyException(
                $"{Path.GetFullPath(DataSource)} lacks the store's {string.Join(", ", missing)}: the process creates them when it starts; " +
                "a file replaced while it ran needs it restarted (or the file restored)");
    }

    public Task<int> ArchiveRawFetchesAsync(IReadOnlyCollection<RawReadingsFetched> fetches, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetches);
        if (fetches.Count == 0)
            return Task.FromResult(0);

        return WithWriteConnectionAsync(async connection =>
        {
            await using var transaction = connection.BeginTransaction(deferred: false);
            await RequireKnownSchemaAsync(connection, transaction, DataSource, cancellationToken);
            await using var insert = Prepare(connection, transaction, InsertRawFetch,
                "$fetch_id", "$station_id", "$window_start", "$window_end", "$time_zone", "$source", "$fetched_at", "$readings");
            await using var refetch = Prepare(connection, transaction, RefetchRawFetch,
                "$fetched_at", "$time_zone", "$source", "$fetch_id", "$ahead_after");
            var aheadAfter = SqliteColumns.Instant(FetchTimeOrder.Now(_time).AheadAfter);
            var archived = 0;
            foreach (var fetch in fetches)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (fetchId, fetchedAt) = (fetch.FetchId.ToString("D"), SqliteColumns.Instant(fetch.FetchedAt));
                Set(insert, fetchId, fetch.StationId, SqliteColumns.Instant(fetch.WindowStart),
                    SqliteColumns.Instant(fetch.WindowEnd), fetch.TimeZone, fetch.Source, fetchedAt,
                    SqliteColumns.Readings(fetch.Readings));
                if (await insert.ExecuteNonQueryAsync(cancellationToken) == 1)
                {
                    archived++;
                    continue;
                }
                // The same readings fetched again (their id is a hash of them): the later fetch time is the one replay,
                // pruning and the time-zone check must see, or an older fetch of the day would pass for the newest; and its
                // zone and source, which the id does not hash (a zone renamed at the same offset cuts the same windows).
                Set(refetch, fetchedAt, fetch.TimeZone, fetch.Source, fetchId, aheadAfter);
                await refetch.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
            return archived;
        }, cancellationToken);
    }

    public Task<UpsertResult> UpsertAveragesAsync(IReadOnlyCollection<AveragesComputed> batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
            return Task.FromResult(default(UpsertResult));

        return WithWriteConnectionAsync(async connection =>
        {
            await using var transaction = connection.BeginTransaction(deferred: false);
            await RequireKnownSchemaAsync(connection, transaction, DataSource, cancellationToken);
            using var hourly = new SqliteStatement(connection, UpsertHourly);
            using var daily = new SqliteStatement(connection, UpsertDaily);
            using var checkedDaily = new SqliteStatement(connection, CheckedDaily);
            using var quantities = new SqliteColumns.QuantitiesWriter();
            // Bound once: SQLite keeps a statement's bindings from one execution to the next.
            var aheadAfter = FetchTimeOrder.Now(_time).AheadAfter;
            hourly.BindInstant(7, aheadAfter);
            daily.BindInstant(12, aheadAfter);
            checkedDaily.BindInstant(4, aheadAfter);
            var written = 0;
            var rows = 0;
            foreach (var averages in batch)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var fetchId = averages.SourceFetchId.ToString("D");
                foreach (var hour in averages.Hourly)
                {
                    hourly.Bind(1, averages.StationId);
                    hourly.BindInstant(2, hour.Hour);
                    hourly.BindUtf8(3, quantities.Write(hour.Quantities));
                    hourly.Bind(4, averages.AlgorithmVersion);
                    hourly.Bind(5, fetchId);
                    hourly.BindInstant(6, averages.SourceFetchedAt);
                    written += hourly.Execute();
                    rows++;
                }
                foreach (var day in averages.Daily)
                {
                    daily.Bind(1, averages.StationId);
                    daily.Bind(2, SqliteColumns.Date(day.Date));
                    daily.Bind(3, day.HoursCovered);
                    daily.Bind(4, day.HoursInDay);
                    daily.Bind(5, day.Completeness);
                    daily.Bind(6, day.IsComplete ? 1 : 0);
                    daily.BindUtf8(7, quantities.Write(day.Quantities));
                    daily.Bind(8, averages.AlgorithmVersion);
                    daily.Bind(9, fetchId);
                    daily.BindInstant(10, averages.SourceFetchedAt);
                    daily.Bind(11, averages.TimeZone);
                    var dayWritten = daily.Execute();
                    written += dayWritten;
                    rows++;
                    if (dayWritten == 0 && day.Coverage() == DayCoverage.MissingAtSource)
                    {
                        checkedDaily.BindInstant(1, averages.SourceFetchedAt);
                        checkedDaily.Bind(2, averages.StationId);
                        checkedDaily.Bind(3, SqliteColumns.Date(day.Date));
                        checkedDaily.Execute();
                    }
                }
            }
            await transaction.CommitAsync(cancellationToken);
            return new UpsertResult(written, rows - written);
        }, cancellationToken);
    }

    public Task<IReadOnlyList<StoredDailyAverage>> GetDailyAveragesAsync(string stationId, DateOnly from, DateOnly to,
        CancellationToken cancellationToken = default) =>
        WithConnectionAsync<IReadOnlyList<StoredDailyAverage>>(async connection =>
        {
            var zoneAndCheck = await DailyZoneAndCheckColumnsAsync(connection, cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = $"""
                SELECT date, hours_covered, hours_in_day, completeness, is_complete, quantities,
                       algorithm_version, source_fetch_id, source_fetched_at, {zoneAndCheck}
                FROM daily_averages
                WHERE station_id = $station_id AND date >= $from AND date <= $to
                ORDER BY date
                """;
            command.Parameters.AddWithValue("$station_id", stationId);
            command.Parameters.AddWithValue("$from", SqliteColumns.Date(from));
            command.Parameters.AddWithValue("$to", SqliteColumns.Date(to));
            var rows = new List<StoredDailyAverage>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                try
                {
                    rows.Add(new StoredDailyAverage
                    {
                        StationId = stationId,
                        Date = SqliteColumns.ParseDate(reader.GetString(0)),
                        HoursCovered = reader.GetInt32(1),
                        HoursInDay = reader.GetInt32(2),
                        Completeness = reader.GetDouble(3),
                        IsComplete = reader.GetInt64(4) != 0,
                        Quantities = SqliteColumns.ParseQuantities(reader.GetString(5)),
                        AlgorithmVersion = reader.GetInt32(6),
                        SourceFetchId = Guid.Parse(reader.GetString(7)),
                        SourceFetchedAt = SqliteColumns.ParseInstant(reader.GetString(8)),
                        TimeZone = reader.IsDBNull(9) ? null : reader.GetString(9),
                        SourceCheckedAt = SqliteColumns.ParseInstant(reader.GetString(10)),
                    });
                }
                catch (Exception e) when (DamagedRecord.Is(e))
                {
                    throw DamagedRow("daily_averages", stationId, reader, e);
                }
            }
            return rows;
        }, cancellationToken);

    public Task<IReadOnlyList<StoredHourlyAverage>> GetHourlyAveragesAsync(string stationId, DateTimeOffset from, DateTimeOffset to,
        CancellationToken cancellationToken = default) =>
        WithConnectionAsync<IReadOnlyList<StoredHourlyAverage>>(async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT hour, quantities, algorithm_version, source_fetch_id, source_fetched_at
                FROM hourly_averages
                WHERE station_id = $station_id AND hour >= $from AND hour < $to
                ORDER BY hour
                """;
            command.Parameters.AddWithValue("$station_id", stationId);
            command.Parameters.AddWithValue("$from", SqliteColumns.Instant(from));
            command.Parameters.AddWithValue("$to", SqliteColumns.Instant(to));
            var rows = new List<StoredHourlyAverage>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                try
                {
                    rows.Add(new StoredHourlyAverage
                    {
                        StationId = stationId,
                        Hour = SqliteColumns.ParseInstant(reader.GetString(0)),
                        Quantities = SqliteColumns.ParseQuantities(reader.GetString(1)),
                        AlgorithmVersion = reader.GetInt32(2),
                        SourceFetchId = Guid.Parse(reader.GetString(3)),
                        SourceFetchedAt = SqliteColumns.ParseInstant(reader.GetString(4)),
                    });
                }
                catch (Exception e) when (DamagedRecord.Is(e))
                {
                    throw DamagedRow("hourly_averages", stationId, reader, e);
                }
            }
            return rows;
        }, cancellationToken);

    /// <summary>
    /// Which row could not be read, and the fixes: SQLite keeps no checksum of its values, so a damaged row is found only
    /// when read, and the reader's own message ("'0xEF' is an invalid end of a number") names neither the row nor the file.
    /// </summary>
    private InvalidDataException DamagedRow(string table, string stationId, SqliteDataReader reader, Exception e) =>
        new($"SQLite {Path.GetFullPath(DataSource)}: the {table} row of station {stationId} at {reader.GetValue(0)} cannot be read " +
            $"({e.Message}), so the file is damaged: restore a backup (harmattan restore), or delete that row with the sqlite3 shell " +
            "and backfill its day", e);

    public Task<IReadOnlyList<RawReadingsFetched>> GetRawFetchesAsync(string stationId, DateTimeOffset from, DateTimeOffset to,
        CancellationToken cancellationToken = default) =>
        WithConnectionAsync<IReadOnlyList<RawReadingsFetched>>(async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT fetch_id, window_start, window_end, time_zone, source, fetched_at, readings
                FROM raw_fetches
                WHERE station_id = $station_id AND window_start < $to AND window_end > $from
                ORDER BY window_start, fetched_at, fetch_id
                """;
            command.Parameters.AddWithValue("$station_id", stationId);
            command.Parameters.AddWithValue("$from", SqliteColumns.Instant(from));
            command.Parameters.AddWithValue("$to", SqliteColumns.Instant(to));
            var fetches = new List<RawReadingsFetched>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                fetches.Add(new RawReadingsFetched
                {
                    FetchId = Guid.Parse(reader.GetString(0)),
                    StationId = stationId,
                    WindowStart = SqliteColumns.ParseInstant(reader.GetString(1)),
                    WindowEnd = SqliteColumns.ParseInstant(reader.GetString(2)),
                    TimeZone = reader.GetString(3),
                    Source = reader.GetString(4),
                    FetchedAt = SqliteColumns.ParseInstant(reader.GetString(5)),
                    Readings = SqliteColumns.ParseReadings(reader.GetValue(6)),
                });
            return fetches;
        }, cancellationToken);

    public Task<IReadOnlyList<string>> GetStationIdsAsync(CancellationToken cancellationToken = default) =>
        WithConnectionAsync<IReadOnlyList<string>>(async connection =>
        {
            await using var command = connection.CreateCommand();
            // The table is its primary key (WITHOUT ROWID), so DISTINCT would read every row, a decade of days per station:
            // one seek per station for the next id instead.
            command.CommandText = """
                WITH RECURSIVE ids(id) AS (
                    SELECT min(station_id) FROM daily_averages
                    UNION ALL
                    SELECT (SELECT min(station_id) FROM daily_averages WHERE station_id > ids.id) FROM ids WHERE ids.id IS NOT NULL)
                SELECT id FROM ids WHERE id IS NOT NULL ORDER BY id COLLATE BINARY
                """;
            var ids = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                ids.Add(reader.GetString(0));
            return ids;
        }, cancellationToken);

    public Task<StationActivity> GetStationActivityAsync(string stationId, CancellationToken cancellationToken = default) =>
        WithConnectionAsync(async connection =>
        {
            await using var command = connection.CreateCommand();
            // Answered from the primary key and the raw_fetches index. Beside a lone max(), SQLite reads the other columns
            // from the row that holds the maximum: the zone of the latest fetch.
            command.CommandText = """
                SELECT (SELECT max(hour) FROM hourly_averages WHERE station_id = $station_id), max(fetched_at), time_zone
                FROM raw_fetches WHERE station_id = $station_id
                """;
            command.Parameters.AddWithValue("$station_id", stationId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return new StationActivity(
                reader.IsDBNull(0) ? null : SqliteColumns.ParseInstant(reader.GetString(0)),
                reader.IsDBNull(1) ? null : SqliteColumns.ParseInstant(reader.GetString(1)),
                reader.IsDBNull(2) ? null : reader.GetString(2));
        }, cancellationToken);

    public Task<DateTimeOffset?> GetFetchedUntilAsync(string stationId, DateTimeOffset fetchedBefore,
        CancellationToken cancellationToken = default) =>
        WithConnectionAsync(async connection =>
        {
            await using var command = connection.CreateCommand();
            // Instants are fixed-width UTC text, so they compare as text.
            command.CommandText = """
                SELECT min(fetched_at, window_end) FROM raw_fetches WHERE station_id = $station_id AND fetched_at < $fetched_before
                ORDER BY window_end DESC, fetched_at DESC LIMIT 1
                """;
            command.Parameters.AddWithValue("$station_id", stationId);
            command.Parameters.AddWithValue("$fetched_before", SqliteColumns.Instant(fetchedBefore));
            return await command.ExecuteScalarAsync(cancellationToken) is string until ? SqliteColumns.ParseInstant(until) : (DateTimeOffset?)null;
        }, cancellationToken);

    /// <summary>
    /// The error of a unit of work that found the file replaced at its path (a store restored, or removed and made again):
    /// the next one opens the file now there.
    /// </summary>
    public static bool IsReplacedFile(Exception exception) => SqliteMovedFile.IsError(exception);

    /// <summary>Closes this file's pooled connections, so the file can be moved or deleted.</summary>
    public void Dispose()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    private async Task<T> WithWriteConnectionAsync<T>(Func<SqliteConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        await _writeTurn.WaitAsync(cancellationToken);
        try
        {
            return await WithConnectionAsync(work, cancellationToken);
        }
        finally
        {
            _writeTurn.Release();
        }
    }

    /// <summary>
    /// Runs one unit of work on a pooled connection. Microsoft.Data.Sqlite and the busy timeout already wait for locks;
    /// what is still busy after that (e.g. a checkpoint, or another process initialising the file) is retried whole.
    /// </summary>
    private Task<T> WithConnectionAsync<T>(Func<SqliteConnection, Task<T>> work, CancellationToken cancellationToken) =>
        WithConnectionAsync(mayCreate: false, work, cancellationToken);

    /// <param name="mayCreate">Only the writers' open creates the store: opening creates a missing file, and an empty one
    /// (at the path of a store removed while the services ran, or made by a reader before the loader started) would fail
    /// every write on a missing table, naming neither the file nor the fix.</param>
    private async Task<T> WithConnectionAsync<T>(bool mayCreate, Func<SqliteConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (!mayCreate && _isFile && !File.Exists(DataSource))
                throw _opened ? Gone() : NoStore();
            try
            {
                await using var connection = new SqliteConnection(mayCreate ? _creatingConnectionString : _connectionString);
                try
                {
                    await connection.OpenAsync(cancellationToken);
                }
                catch (SqliteException ex) when ((ex.SqliteErrorCode & 0xFF) == SQLitePCL.raw.SQLITE_CANTOPEN && !mayCreate && _isFile
                                                 && !File.Exists(DataSource))
                {
                    throw _opened ? Gone() : NoStore();
                }
                if (SqliteMovedFile.HasMoved(connection))
                {
                    // Pooled connections hold the old file open; cleared, the pool opens the file now at the path.
                    SqliteConnection.ClearPool(connection);
                    throw SqliteMovedFile.Error(DataSource);
                }
                await ExecuteAsync(connection,
                    $"PRAGMA busy_timeout = {_busyTimeoutMilliseconds}; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -{PageCacheKiB};",
                    cancellationToken);
                return await work(connection);
            }
            catch (SqliteException ex) when ((ex.SqliteErrorCode & 0xFF) is SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED
                                             && attempt < BusyAttempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt * attempt), cancellationToken);
            }
        }
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction transaction, string sql,
        params string[] parameterNames)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in parameterNames)
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        command.Prepare();
        return command;
    }

    private static void Set(SqliteCommand command, params object[] values)
    {
        for (var i = 0; i < values.Length; i++)
            command.Parameters[i].Value = values[i];
    }
}
