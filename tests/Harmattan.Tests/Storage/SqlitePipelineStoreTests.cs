using System.Text;
using Harmattan.Contracts;
using Harmattan.Hosting;
using Harmattan.Storage;
using Harmattan.Storage.Archive;
using Harmattan.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Harmattan.Tests.Storage;

/// <summary>The store contract on a real SQLite file, a fresh one per test.</summary>
public sealed class SqlitePipelineStoreTests : PipelineStoreContract
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"harmattan-store-{Guid.NewGuid():N}.db");
    private readonly List<SqlitePipelineStore> _stores = [];

    protected override async Task<IPipelineStore> CreateStoreAsync()
    {
        var store = Open();
        await store.InitializeAsync(Ct);
        return store;
    }

    protected override Task<IPipelineStore> OpenAnotherStoreOnTheSameDataAsync() => Task.FromResult<IPipelineStore>(Open());

    protected override IPipelineStore OpenOnTheSameData(TimeProvider clock) => Open(clock);

    protected override async Task ForgetCheckTimesAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={_path};Pooling=False");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE daily_averages SET source_checked_at = NULL";
        Assert.True(await command.ExecuteNonQueryAsync(Ct) > 0);
    }

    protected override Task DisposeStoreAsync()
    {
        foreach (var store in _stores)
            store.Dispose();
        TemporarySqliteDatabase.Delete(_path);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_row_damaged_in_the_file_is_named_with_its_table_station_and_day_and_the_fixes()
    {
        var store = await CreateStoreAsync();
        var day = new DateOnly(2023, 6, 1);
        await store.UpsertAveragesAsync([Builders.Averages("283164601", day)], Ct);
        // What a few bytes overwritten inside a row leave, which SQLite's own checks do not see.
        await using (var connection = new SqliteConnection($"Data Source={_path};Pooling=False"))
        {
            await connection.OpenAsync(Ct);
            await using var damage = connection.CreateCommand();
            damage.CommandText = """
                UPDATE daily_averages SET quantities = replace(quantities, '"count"', '"coÿnt"');
                UPDATE hourly_averages SET quantities = replace(quantities, '0.5', '0.ÿ');
                """;
            await damage.ExecuteNonQueryAsync(Ct);
        }

        var daily = await Assert.ThrowsAsync<InvalidDataException>(() => store.GetDailyAveragesAsync("283164601", day, day, Ct));
        var hourly = await Assert.ThrowsAsync<InvalidDataException>(() =>
            store.GetHourlyAveragesAsync("283164601", Builders.Midnight(day), Builders.Midnight(day).AddDays(1), Ct));

        Assert.StartsWith($"SQLite {_path}: the daily_averages row of station 283164601 at 2023-06-01 cannot be read (", daily.Message);
        Assert.EndsWith("), so the file is damaged: restore a backup (harmattan restore), or delete that row with the sqlite3 shell and backfill its day",
            daily.Message);
        Assert.StartsWith($"SQLite {_path}: the hourly_averages row of station 283164601 at 2023-06-01T00:00:00", hourly.Message);
    }

    [Fact]
    public async Task A_path_that_cannot_hold_the_store_stops_the_writer_naming_the_file_and_the_setting()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"harmattan-not-a-store-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var plainFile = Path.Combine(folder, "notes.txt");
        await File.WriteAllTextAsync(plainFile, "not a folder", Ct);
        try
        {
            using var folderAsFile = new SqlitePipelineStore($"Data Source={folder}");
            var folderError = await Assert.ThrowsAsync<UnwritableStoreException>(() => folderAsFile.InitializeAsync(Ct));
            Assert.Equal($"{folder} is a folder: name the store's file, e.g. {Path.Combine(folder, "harmattan.db")} " +
                "(ConnectionStrings__Sqlite; --db for the harmattan command)", folderError.Message);
            Assert.IsType<SqliteException>(folderError.InnerException);

            var underAFile = Path.Combine(plainFile, "harmattan.db");
            using var fileAsFolder = new SqlitePipelineStore($"Data Source={underAFile}");
            var fileError = await Assert.ThrowsAsync<UnwritableStoreException>(() => fileAsFolder.InitializeAsync(Ct));
            Assert.Equal($"cannot make the folder {plainFile} of the store at {underAFile}: check the path " +
                "(ConnectionStrings__Sqlite; --db for the harmattan command)", fileError.Message);
            Assert.IsAssignableFrom<IOException>(fileError.InnerException);
            Assert.Equal("not a folder", await File.ReadAllTextAsync(plainFile, Ct));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Instants_are_stored_as_fixed_width_utc_text_to_the_tick_whatever_their_offset()
    {
        var random = new Random(20261130);
        var instants = new List<DateTimeOffset> { DateTimeOffset.MinValue, DateTimeOffset.MaxValue, new(2025, 3, 30, 1, 0, 0, TimeSpan.FromHours(2)) };
        for (var i = 0; i < 1000; i++)
            instants.Add(new DateTimeOffset(random.NextInt64(DateTime.MinValue.Ticks + TimeSpan.TicksPerDay, DateTime.MaxValue.Ticks - TimeSpan.TicksPerDay),
                TimeSpan.FromMinutes(random.Next(-14 * 60, 14 * 60))));
        Span<byte> utf8 = stackalloc byte[SqliteColumns.InstantLength];
        foreach (var instant in instants)
        {
            var expected = instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);

            Assert.Equal(expected, SqliteColumns.Instant(instant));
            Assert.Equal(expected, Encoding.UTF8.GetString(utf8[..SqliteColumns.WriteInstant(instant, utf8)]));
            Assert.Equal(instant, SqliteColumns.ParseInstant(expected));
        }
    }

    [Fact]
    public void Rows_of_a_shared_shape_are_written_as_rows_given_as_dictionaries_names_escaped_and_shapes_switched()
    {
        var escaped = new QuantityKeys(["co", "température", "a\"b"]);
        var plain = new QuantityKeys(["co", "o3"]);
        var hour = new DateTimeOffset(2025, 1, 1, 5, 0, 0, TimeSpan.Zero);
        using var writer = new SqliteColumns.QuantitiesWriter();
        var sharedReadings = new List<RawReading>();
        var dictionaryReadings = new List<RawReading>();
        foreach (var keys in new[] { escaped, plain, escaped })
        {
            var stats = keys.Names.Select((_, i) => new QuantityStats { Mean = 0.5 + i, Min = 0.1, Max = 0.9 + i, Count = 3, Rejected = i }).ToArray();
            var statsByName = keys.Names.Zip(stats).ToDictionary(p => p.First, p => p.Second);
            var expected = Encoding.UTF8.GetString(writer.Write(statsByName));
            Assert.Equal(expected, Encoding.UTF8.GetString(writer.Write(new QuantityMap<QuantityStats>(keys, stats))));

            var values = keys.Names.Select((_, i) => i == 1 ? null : (double?)(0.25 * (i + 1))).ToArray();
            sharedReadings.Add(new RawReading { Hour = hour, Values = new QuantityMap<double?>(keys, values) });
            dictionaryReadings.Add(new RawReading { Hour = hour, Values = keys.Names.Zip(values).ToDictionary(p => p.First, p => p.Second) });
        }

        Assert.Equal(
            """{"co":{"mean":0.5,"min":0.1,"max":0.9,"count":3,"rejected":0},"temp\u00E9rature":{"mean":1.5,"min":0.1,"max":1.9,"count":3,"rejected":1},"a\u0022b":{"mean":2.5,"min":0.1,"max":2.9,"count":3,"rejected":2}}""",
            Encoding.UTF8.GetString(writer.Write(new QuantityMap<QuantityStats>(escaped,
                [.. escaped.Names.Select((_, i) => new QuantityStats { Mean = 0.5 + i, Min = 0.1, Max = 0.9 + i, Count = 3, Rejected = i })]))));
        var archived = Encoding.UTF8.GetString(SqliteColumns.ReadingsJson(sharedReadings));
        Assert.Equal(Encoding.UTF8.GetString(SqliteColumns.ReadingsJson(dictionaryReadings)), archived);
        Assert.StartsWith("""[{"h":"2025-01-01T05:00:00.0000000Z","v":{"co":0.25,"temp\u00E9rature":null,"a\u0022b":0.75}},""", archived);
        Assert.Equal(sharedReadings.Select(r => r.Values.ToList()),
            SqliteColumns.ParseReadings(SqliteColumns.Readings(sharedReadings)).Select(r => r.Values.ToList()));
    }

    [Fact]
    public async Task A_new_database_file_uses_write_ahead_logging_and_16_KiB_pages()
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_path}");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";

        Assert.Equal("wal", await command.ExecuteScalarAsync(Ct));
        Assert.Equal(16384L, await PragmaAsync("page_size"));
    }

    [Fact]
    public async Task A_missing_folder_is_created_on_initialisation()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"harmattan-store-{Guid.NewGuid():N}");
        using var store = new SqlitePipelineStore($"Data Source={Path.Combine(folder, "nested", "harmattan.db")}");
        try
        {
            await store.InitializeAsync(Ct);
            await store.PingAsync(Ct);
            Assert.True(File.Exists(Path.Combine(folder, "nested", "harmattan.db")));
        }
        finally
        {
            store.Dispose();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task An_existing_file_without_incremental_vacuum_is_converted_keeps_its_page_size_its_plain_json_rows_still_read_and_a_prune_shrinks_it()
    {
        // A file as the store wrote it before compression and auto-vacuum: readings as JSON text, auto_vacuum off.
        await DisposeStoreAsync();
        var legacy = Enumerable.Range(0, 400).Select(i => RawFetch(Station1, DayStart, days: 2) with
        {
            FetchedAt = DayStart.AddHours(i),
            Readings = Enumerable.Range(0, 48).Select(h => new RawReading
            {
                Hour = DayStart.AddHours(h),
                Values = new Dictionary<string, double?> { ["co"] = i + h / 7.0, ["pm2_5"] = i * 3.1 + h, ["no2"] = null },
            }).ToList(),
        }).ToList();
        await using (var connection = new SqliteConnection($"Data Source={_path};Pooling=False"))
        {
            await connection.OpenAsync(Ct);
            await using var create = connection.CreateCommand();
            create.CommandText = EarlierStoreFile.RawFetchesTable;
            await create.ExecuteNonQueryAsync(Ct);
            foreach (var fetch in legacy)
            {
                await using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO raw_fetches VALUES ($id, $station, $start, $end, $zone, $source, $at, $readings)";
                insert.Parameters.AddWithValue("$id", fetch.FetchId.ToString("D"));
                insert.Parameters.AddWithValue("$station", fetch.StationId);
                insert.Parameters.AddWithValue("$start", SqliteColumns.Instant(fetch.WindowStart));
                insert.Parameters.AddWithValue("$end", SqliteColumns.Instant(fetch.WindowEnd));
                insert.Parameters.AddWithValue("$zone", fetch.TimeZone);
                insert.Parameters.AddWithValue("$source", fetch.Source);
                insert.Parameters.AddWithValue("$at", SqliteColumns.Instant(fetch.FetchedAt));
                insert.Parameters.AddWithValue("$readings", Encoding.UTF8.GetString(SqliteColumns.ReadingsJson(fetch.Readings)));
                await insert.ExecuteNonQueryAsync(Ct);
            }
        }
        Assert.Equal(0L, await PragmaAsync("auto_vacuum"));

        var store = Open();
        await store.InitializeAsync(Ct);
        Assert.Equal(2L, await PragmaAsync("auto_vacuum"));
        Assert.Equal(4096L, await PragmaAsync("page_size"));
        AssertSameFetch(legacy[7], (await store.GetRawFetchesAsync(Station1, DayStart, DayStart.AddDays(1), Ct)).Single(f => f.FetchId == legacy[7].FetchId));
        var compressed = RawFetch(Station1, DayStart.AddDays(2), days: 1);
        await store.ArchiveRawFetchesAsync([compressed], Ct);
        AssertSameFetch(compressed, Assert.Single(await store.GetRawFetchesAsync(Station1, DayStart.AddDays(2), DayStart.AddDays(3), Ct)));
        await store.ReclaimArchiveSpaceAsync(Ct);
        var before = new FileInfo(_path).Length;

        var report = await ArchivePruner.PruneAsync(store, DayStart.AddDays(100), keepAllDays: 30, dryRun: false, Ct);

        Assert.Equal(legacy.Count - 1, report.FetchesDropped);
        var after = new FileInfo(_path).Length + (File.Exists(_path + "-wal") ? new FileInfo(_path + "-wal").Length : 0);
        Assert.True(after < before / 4, $"the file shrank from {before} to {after} bytes");
    }

    [Fact]
    public async Task A_write_after_the_file_was_restored_under_the_running_store_fails_once_and_then_goes_to_the_restored_file()
    {
        var loader = Open();
        await loader.InitializeAsync(Ct);
        await loader.UpsertAveragesAsync([Averages(Station1, FetchedAt, 1, 1.0, Day)], Ct);

        // The README's restore, done while the loader runs: the backup moved over the store, its log and index removed.
        var backup = _path + ".backup";
        await using (var copy = new SqliteConnection($"Data Source={_path};Mode=ReadOnly;Pooling=False"))
        {
            await copy.OpenAsync(Ct);
            await using var vacuum = copy.CreateCommand();
            vacuum.CommandText = $"VACUUM INTO '{backup}'";
            await vacuum.ExecuteNonQueryAsync(Ct);
        }
        File.Move(backup, _path, overwrite: true);
        File.Delete(_path + "-wal");
        File.Delete(_path + "-shm");

        var nextDay = Averages(Station1, FetchedAt.AddDays(1), 1, 2.0, Day.AddDays(1));
        var moved = await Assert.ThrowsAsync<SqliteException>(() => loader.UpsertAveragesAsync([nextDay], Ct));
        Assert.Contains($"{_path} was replaced or removed while this process had it open", moved.Message);
        Assert.True(SqlitePipelineStore.IsReplacedFile(moved));
        await loader.UpsertAveragesAsync([nextDay], Ct);

        var restored = new SqlitePipelineStore($"Data Source={_path};Pooling=False");
        Assert.Equal(new[] { Day, Day.AddDays(1) }, (await restored.GetDailyAveragesAsync(Station1, Day, Day.AddDays(1), Ct)).Select(d => d.Date));
    }

    [Fact]
    public async Task A_reader_whose_store_was_removed_since_it_opened_it_is_told_the_file_is_gone_not_to_check_its_settings()
    {
        var loader = Open();
        await loader.InitializeAsync(Ct);
        var dashboard = Open();
        await dashboard.PrepareForReadingAsync(Ct);

        File.Move(_path, _path + ".moved");

        var gone = await Assert.ThrowsAsync<StoreNotReadyException>(() => dashboard.PrepareForReadingAsync(Ct));
        Assert.StartsWith($"{_path} is gone (removed or moved while this process ran?)", gone.Message);
        TemporarySqliteDatabase.Delete(_path + ".moved");
    }

    [Fact]
    public async Task Writes_after_the_file_was_removed_name_it_every_time_and_create_nothing()
    {
        var loader = Open();
        await loader.InitializeAsync(Ct);
        await loader.UpsertAveragesAsync([Averages(Station1, FetchedAt, 1, 1.0, Day)], Ct);

        File.Move(_path, _path + ".moved");
        foreach (var file in new[] { _path + "-wal", _path + "-shm" })
            File.Delete(file);

        // The bus retries a failed write: opening the path created an empty file there, where every write then failed on
        // "no such table" and no fault named the file.
        var nextDay = Averages(Station1, FetchedAt.AddDays(1), 1, 2.0, Day.AddDays(1));
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var gone = await Assert.ThrowsAsync<StoreNotReadyException>(() => loader.UpsertAveragesAsync([nextDay], Ct));
            Assert.Equal($"{_path} is gone (removed or moved while this process ran?): restore it, or restart the loader (or `harmattan run`) to create a new store",
                gone.Message);
        }
        Assert.False(File.Exists(_path));
    }

    [Fact]
    public async Task A_reader_that_never_opened_the_store_creates_no_file_where_there_is_none()
    {
        // The extractor reads the store for its gap check without opening it: at a path with no file (the loader not
        // started yet, or the file removed), SQLite made an empty one there, which the loader's writes then found.
        var path = Path.Combine(Path.GetTempPath(), $"harmattan-no-store-{Guid.NewGuid():N}.db");
        using var extractor = new SqlitePipelineStore($"Data Source={path}");

        var missing = await Assert.ThrowsAsync<StoreNotReadyException>(() => extractor.RequireKnownSchemaAsync(Ct));
        await Assert.ThrowsAsync<StoreNotReadyException>(() => extractor.GetFetchedUntilAsync(Station1, FetchedAt, Ct));

        Assert.StartsWith($"no store at {path}", missing.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task The_loader_s_readiness_after_its_file_was_removed_says_so_every_time_and_creates_nothing()
    {
        var loader = Open();
        await loader.InitializeAsync(Ct);
        var check = new PipelineStoreHealthCheck(loader, new StoreWriteMonitor(TimeProvider.System));
        var context = new HealthCheckContext { Registration = new HealthCheckRegistration("pipeline-store", check, HealthStatus.Unhealthy, null) };
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(context, Ct)).Status);

        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
            File.Delete(file);

        // Opened, the path would be a new empty file, which answers any query while every write fails.
        for (var probe = 0; probe < 3; probe++)
        {
            var health = await check.CheckHealthAsync(context, Ct);
            Assert.Equal((HealthStatus.Unhealthy, $"the pipeline store is not ready: {_path} is gone (removed or moved while this process ran?): " +
                "restore it, or restart the loader (or `harmattan run`) to create a new store"), (health.Status, health.Description));
        }
        Assert.False(File.Exists(_path));

        // A file without the store's tables in its place (another file moved there).
        await using (var other = new SqliteConnection($"Data Source={_path};Pooling=False"))
        {
            await other.OpenAsync(Ct);
            await using var create = other.CreateCommand();
            create.CommandText = "CREATE TABLE notes (text TEXT)";
            await create.ExecuteNonQueryAsync(Ct);
        }
        SqliteConnection.ClearAllPools();
        Assert.Equal($"the pipeline store is not ready: {_path} lacks the store's daily_averages, hourly_averages, raw_fetches: the process " +
            "creates them when it starts; a file replaced while it ran needs it restarted (or the file restored)",
            (await check.CheckHealthAsync(context, Ct)).Description);
    }

    [Fact]
    public async Task A_command_that_only_reads_a_file_of_an_earlier_version_leaves_the_rebuild_to_the_loader()
    {
        var fetch = await CreateFileWithoutIncrementalVacuumAsync();

        var reader = Open();
        await reader.PrepareForReadingAsync(Ct);

        Assert.Equal(fetch.FetchId, Assert.Single(await reader.GetRawFetchesAsync(Station1, DayStart, DayStart.AddDays(1), Ct)).FetchId);
        Assert.Empty(await reader.GetDailyAveragesAsync(Station1, Day, Day, Ct));
        Assert.Equal(0L, await PragmaAsync("auto_vacuum"));
        await Open().InitializeAsync(Ct);
        Assert.Equal(2L, await PragmaAsync("auto_vacuum"));
    }

    [Fact]
    public async Task The_rebuild_of_a_file_of_an_earlier_version_is_logged_before_it_starts()
    {
        await CreateFileWithoutIncrementalVacuumAsync();
        var logs = new LogCapture();
        using var logging = LoggerFactory.Create(builder => builder.AddProvider(logs));
        var loader = new SqlitePipelineStore($"Data Source={_path}", logging.CreateLogger<SqlitePipelineStore>());
        _stores.Add(loader);

        await loader.InitializeAsync(Ct);

        Assert.Equal(2L, await PragmaAsync("auto_vacuum"));
        var warnings = logs.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.StartsWith($"Rebuilding SQLite {_path} (", warnings[0]);
        Assert.Contains("once with VACUUM, as it was made by an earlier version", warnings[0]);
        Assert.Equal($"Upgraded SQLite {_path} from store schema 0 to 1: stop any older Harmattan that still writes it (a backup " +
            "taken before the upgrade is the way back)", warnings[1]);
        await loader.InitializeAsync(Ct);
        Assert.Equal(2, logs.Entries.Count(e => e.Level == LogLevel.Warning));
    }

    [Fact]
    public async Task A_version_that_recorded_no_schema_cannot_write_into_a_file_of_a_newer_one()
    {
        await Open().InitializeAsync(Ct);
        await using var connection = new SqliteConnection($"Data Source={_path};Pooling=False");
        await connection.OpenAsync(Ct);

        // As those versions wrote: a daily row without its zone (an insert, or an upsert over a stored day), readings as text.
        string[] writesOfSchema0 =
        [
            DailyRowOfSchema0(onConflict: ""),
            DailyRowOfSchema0(onConflict: "ON CONFLICT (station_id, date) DO UPDATE SET hours_covered = excluded.hours_covered"),
            $"INSERT INTO raw_fetches VALUES ('{Guid.NewGuid():D}', '{Station1}', '2023-05-31T22:00:00.0000000Z', " +
            "'2023-06-01T22:00:00.0000000Z', 'UTC', 'https://example.org', '2023-06-02T00:05:00.0000000Z', '[]')",
        ];
        foreach (var write in writesOfSchema0)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = write;
            var refused = await Assert.ThrowsAsync<SqliteException>(() => command.ExecuteNonQueryAsync(Ct));
            Assert.Contains("this store was upgraded by a newer version of Harmattan (store schema 1), which this version cannot write " +
                "correctly: run that version or a later one", refused.Message);
            if (write == writesOfSchema0[0])
            {
                // The upsert's conflict needs the day stored: by this version, with its zone.
                await Open().UpsertAveragesAsync([Averages(Station1, FetchedAt, 1, 1.0, EarlierStoreFile.FirstDay)], Ct);
            }
        }
        Assert.Equal("UTC", Assert.Single(await Open().GetDailyAveragesAsync(Station1, EarlierStoreFile.FirstDay, EarlierStoreFile.FirstDay, Ct)).TimeZone);
    }

    [Fact]
    public async Task Days_an_earlier_version_stored_without_their_zone_after_the_upgrade_get_it_when_a_writer_opens_the_file()
    {
        // A file upgraded before it refused such writes, which an earlier version running alongside then wrote into.
        await DisposeStoreAsync();
        await EarlierStoreFile.CreateAsync(_path, Ct);
        await Open().InitializeAsync(Ct);
        await using (var connection = new SqliteConnection($"Data Source={_path};Pooling=False"))
        {
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = $"""
                DROP TRIGGER daily_averages_written_by_schema_0;
                UPDATE daily_averages SET time_zone = NULL;
                """;
            await command.ExecuteNonQueryAsync(Ct);
        }

        await Open().InitializeAsync(Ct);

        var days = await Open().GetDailyAveragesAsync(Station1, EarlierStoreFile.FirstDay, EarlierStoreFile.FirstDay.AddDays(1), Ct);
        // The second day's fetch is no longer archived: nothing to fill it from.
        Assert.Equal([EarlierStoreFile.ArchivedFetchZone, null], days.Select(day => day.TimeZone));
        await using var again = new SqliteConnection($"Data Source={_path};Pooling=False");
        await again.OpenAsync(Ct);
        await using var refused = again.CreateCommand();
        refused.CommandText = DailyRowOfSchema0(onConflict: "");
        await Assert.ThrowsAsync<SqliteException>(() => refused.ExecuteNonQueryAsync(Ct));
    }

    [Fact]
    public async Task Running_out_of_space_in_the_rebuild_names_both_places_it_needs_room_in_and_the_setting_for_the_second()
    {
        await CreateFileWithoutIncrementalVacuumAsync();
        await using var connection = new SqliteConnection($"Data Source={_path};Pooling=False");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        // A disk that fills up, as SQLite reports it: SQLITE_FULL, in words that name no place.
        command.CommandText = """
            CREATE TABLE filler (x);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO filler SELECT randomblob(1000) FROM n;
            PRAGMA auto_vacuum = INCREMENTAL;
            """;
        await command.ExecuteNonQueryAsync(Ct);
        command.CommandText = "PRAGMA max_page_count = 1";
        Assert.True(Convert.ToInt64(await command.ExecuteScalarAsync(Ct)) > 100, "the file is too small for its rebuild to fill the space left");
        command.CommandText = "VACUUM";
        var full = await Assert.ThrowsAsync<SqliteException>(() => command.ExecuteNonQueryAsync(Ct));

        var error = SqlitePipelineStore.RebuildOutOfSpace(_path, 3 * 1024 * 1024, full);

        Assert.Equal(SQLitePCL.raw.SQLITE_FULL, full.SqliteErrorCode);
        Assert.StartsWith($"not enough free disk space to rebuild {_path} (3.0 MiB) once, as it was made by an earlier version: the " +
            $"rebuild needs up to its size free in {Path.GetDirectoryName(_path)} and again in ", error.Message);
        Assert.EndsWith("; free some space, or point SQLITE_TMPDIR to a folder with room, and start again (the store was left as it was)",
            error.Message);
    }

    private static string DailyRowOfSchema0(string onConflict) => $$"""
        INSERT INTO daily_averages (station_id, date, hours_covered, hours_in_day, completeness, is_complete, quantities,
            algorithm_version, source_fetch_id, source_fetched_at)
        VALUES ('{{Station1}}', '{{SqliteColumns.Date(EarlierStoreFile.FirstDay)}}', 24, 24, 1.0, 1, '{}', 1, '{{Guid.NewGuid():D}}',
            '2023-06-02T00:05:00.0000000Z') {{onConflict}}
        """;

    /// <summary>A file as the store wrote it before auto-vacuum: rebuilding a large one takes minutes and holds every writer off.</summary>
    private async Task<RawReadingsFetched> CreateFileWithoutIncrementalVacuumAsync()
    {
        await DisposeStoreAsync();
        var fetch = RawFetch(Station1, DayStart, days: 1);
        await using var connection = new SqliteConnection($"Data Source={_path};Pooling=False");
        await connection.OpenAsync(Ct);
        await using var create = connection.CreateCommand();
        create.CommandText = $$"""
            {{EarlierStoreFile.RawFetchesTable}}
            INSERT INTO raw_fetches VALUES ('{{fetch.FetchId:D}}', '{{Station1}}', '{{SqliteColumns.Instant(fetch.WindowStart)}}',
                '{{SqliteColumns.Instant(fetch.WindowEnd)}}', 'UTC', 'https://example.org', '{{SqliteColumns.Instant(fetch.FetchedAt)}}', '[]');
            """;
        await create.ExecuteNonQueryAsync(Ct);
        return fetch;
    }

    [Fact]
    public async Task A_file_whose_days_did_not_record_their_zone_or_check_time_gets_both_once_whoever_opens_it()
    {
        await DisposeStoreAsync();
        await EarlierStoreFile.CreateAsync(_path, Ct);

        // The three services open the same file at once.
        var stores = Enumerable.Range(0, 3).Select(_ => Open()).ToList();
        await Task.WhenAll(stores.Select(store => store.InitializeAsync(Ct)));
        await stores[0].InitializeAsync(Ct);

        var days = await stores[1].GetDailyAveragesAsync(Station1, Day, Day.AddDays(1), Ct);
        Assert.Equal(["Europe/Paris", null], days.Select(day => day.TimeZone));
        Assert.Equal(SqlitePipelineStore.SchemaVersion, await PragmaAsync("user_version"));
        Assert.All(days, day => Assert.Equal(FetchedAt, day.SourceCheckedAt));
        var nothingSent = NoRowsFrom(Averages(Station1, FetchedAt.AddHours(2), version: 1, co: 0));
        await stores[2].UpsertAveragesAsync([nothingSent], Ct);
        var kept = Assert.Single(await stores[0].GetDailyAveragesAsync(Station1, Day, Day, Ct));
        Assert.Equal((24, FetchedAt, nothingSent.SourceFetchedAt), (kept.HoursCovered, kept.SourceFetchedAt, kept.SourceCheckedAt));
        var later = Averages(Station1, FetchedAt.AddHours(1), version: 1, co: 2.5, day: Day.AddDays(1)) with { TimeZone = "Africa/Abidjan" };
        await stores[2].UpsertAveragesAsync([later], Ct);
        AssertStored(later, later.Daily[0], Assert.Single(await stores[0].GetDailyAveragesAsync(Station1, Day.AddDays(1), Day.AddDays(1), Ct)));
    }

    [Fact]
    public async Task A_reader_leaves_a_store_of_an_earlier_version_as_it_is_and_reads_its_days_as_the_upgrade_fills_them_in()
    {
        await DisposeStoreAsync();
        await EarlierStoreFile.CreateAsync(_path, Ct);
        var before = await File.ReadAllBytesAsync(_path, Ct);
        // Read-only, as a dashboard given read access to the file only: a reader that wrote would fail on it.
        var reader = new SqlitePipelineStore($"Data Source={_path};Mode=ReadOnly");
        _stores.Add(reader);

        await reader.PrepareForReadingAsync(Ct);

        var days = await reader.GetDailyAveragesAsync(Station1, Day, Day.AddDays(1), Ct);
        Assert.Equal([EarlierStoreFile.ArchivedFetchZone, null], days.Select(day => day.TimeZone));
        Assert.Equal([0.5, 0.7], days.Select(day => day.Quantities["co"].Mean));
        Assert.All(days, day => Assert.Equal(FetchedAt, day.SourceCheckedAt));
        Assert.Equal(before, await File.ReadAllBytesAsync(_path, Ct));
        Assert.DoesNotContain("time_zone", await EarlierStoreFile.DailyColumnsAsync(_path, Ct));
        Assert.Equal(0L, await PragmaAsync("user_version"));

        // The loader brings the file up to date while the reader has it open: the reader reads what it records from then on.
        var loader = Open();
        await loader.InitializeAsync(Ct);
        var nothingSent = NoRowsFrom(Averages(Station1, FetchedAt.AddHours(2), version: 1, co: 0));
        await loader.UpsertAveragesAsync([nothingSent], Ct);
        days = await reader.GetDailyAveragesAsync(Station1, Day, Day.AddDays(1), Ct);
        Assert.Equal([EarlierStoreFile.ArchivedFetchZone, null], days.Select(day => day.TimeZone));
        Assert.Equal([nothingSent.SourceFetchedAt, FetchedAt], days.Select(day => day.SourceCheckedAt));
    }

    [Fact]
    public async Task A_file_written_by_a_newer_version_is_refused_naming_the_fix_and_left_as_it_is()
    {
        var store = Open();
        await store.InitializeAsync(Ct);
        Assert.Equal(SqlitePipelineStore.SchemaVersion, await PragmaAsync("user_version"));
        await store.UpsertAveragesAsync([Averages(Station1, FetchedAt, 1, 1.0, Day)], Ct);
        store.Dispose();
        await NewerStoreFile.MarkAsync(_path, Ct);
        var before = await File.ReadAllBytesAsync(_path, Ct);

        foreach (var open in new Func<SqlitePipelineStore, Task>[] { s => s.InitializeAsync(Ct), s => s.PrepareForReadingAsync(Ct) })
        {
            var refused = await Assert.ThrowsAsync<NewerStoreException>(() => open(Open()));
            Assert.Equal(NewerStoreFile.Refusal(_path), refused.Message);
        }
        Assert.Equal(before, await File.ReadAllBytesAsync(_path, Ct));
    }

    [Fact]
    public async Task A_file_upgraded_by_a_newer_version_while_a_store_has_it_open_is_refused_by_its_schema_check()
    {
        var store = Open();
        await store.InitializeAsync(Ct);
        await store.RequireKnownSchemaAsync(Ct);

        await NewerStoreFile.MarkAsync(_path, Ct);

        var refused = await Assert.ThrowsAsync<NewerStoreException>(() => store.RequireKnownSchemaAsync(Ct));
        Assert.Equal(NewerStoreFile.Refusal(_path), refused.Message);
    }

    private async Task<long> PragmaAsync(string name)
    {
        await using var connection = new SqliteConnection($"Data Source={_path};Pooling=False");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name}";
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }

    private SqlitePipelineStore Open(TimeProvider? clock = null)
    {
        var store = new SqlitePipelineStore($"Data Source={_path}", time: clock);
        _stores.Add(store);
        return store;
    }
}
