using Harmattan.Cli.Commands;
using Harmattan.Storage.Sqlite;
using Harmattan.Tests.Storage;
using Microsoft.Data.Sqlite;
using static Harmattan.Tests.Cli.CliStoreSeed;

namespace Harmattan.Tests.Cli;

[Collection(typeof(CliCollection))]
public sealed class RestoreCommandTests : IDisposable
{
    private const string Station = "283164601";
    private static readonly DateOnly First = new(2023, 1, 1);
    private readonly CliRun _cli = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _cli.Dispose();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A store of <paramref name="days"/> days of the station from <see cref="First"/>, written as the loader writes.</summary>
    private async Task<SqlitePipelineStore> StoreAsync(string file, int days, int from = 0)
    {
        var store = new SqlitePipelineStore($"Data Source={_cli.PathOf(file)}");
        await store.InitializeAsync(Ct);
        for (var day = from; day < from + days; day++)
            await store.UpsertAveragesAsync([Day(Station, First.AddDays(day), 24, DateTimeOffset.UtcNow)], Ct);
        return store;
    }

    private async Task<int> DaysInAsync(string file)
    {
        var store = new SqlitePipelineStore($"Data Source={_cli.PathOf(file)};Pooling=False");
        return (await store.GetDailyAveragesAsync(Station, DateOnly.MinValue, DateOnly.MaxValue, Ct)).Count;
    }

    [Fact]
    public async Task A_restore_puts_the_backup_in_the_place_of_the_store_and_keeps_the_store_it_replaces_with_its_latest_writes()
    {
        await StoreAsync("harmattan.db", days: 30);
        SqliteConnection.ClearAllPools();
        var (exit, output) = await _cli.InvokeAsync(["backup", "--out", "backup.db"]);
        Assert.True(exit == 0, output);
        // Days written after the backup, the last of them still in the store's write-ahead log when the services stop.
        await StoreAsync("harmattan.db", days: 10, from: 30);
        SqliteConnection.ClearAllPools();
        Assert.Equal(40, await DaysInAsync("harmattan.db"));

        (exit, output) = await _cli.InvokeAsync(["restore", "--backup", "backup.db"]);

        Assert.True(exit == 0, output);
        Assert.Contains($"Restored {_cli.PathOf("backup.db")} to {_cli.PathOf("harmattan.db")}", output);
        Assert.DoesNotContain("older than this version's", output);
        Assert.Equal(30, await DaysInAsync("harmattan.db"));
        var kept = Assert.Single(Directory.GetFiles(_cli.Folder, "harmattan.db.before-restore-*"));
        Assert.Contains($"The store it replaced is kept as {kept}", output);
        Assert.Equal(40, await DaysInAsync(Path.GetFileName(kept)));
        Assert.False(File.Exists(_cli.PathOf("harmattan.db.restoring")));
        SqliteConnection.ClearAllPools();
        Assert.False(File.Exists(kept + "-wal"));

        // The restored store takes the services' writes again, and it is in WAL mode, as a store the services opened.
        await StoreAsync("harmattan.db", days: 5, from: 30);
        Assert.Equal(35, await DaysInAsync("harmattan.db"));
        await using var connection = new SqliteConnection($"Data Source={_cli.PathOf("harmattan.db")};Pooling=False");
        await connection.OpenAsync(Ct);
        await using var mode = connection.CreateCommand();
        mode.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", await mode.ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task A_restore_is_refused_while_a_service_has_the_store_open_and_changes_nothing()
    {
        await StoreAsync("harmattan.db", days: 20);
        SqliteConnection.ClearAllPools();
        Assert.Equal(0, (await _cli.InvokeAsync(["backup", "--out", "backup.db"])).Exit);
        // The loader's pooled connection stays open between its writes.
        await StoreAsync("harmattan.db", days: 5, from: 20);

        var (exit, output) = await _cli.InvokeAsync(["restore", "--backup", "backup.db"]);

        Assert.Equal(2, exit);
        Assert.Contains($"{_cli.PathOf("harmattan.db")} is in use: stop the services that use it", output);
        SqliteConnection.ClearAllPools();
        Assert.Equal(25, await DaysInAsync("harmattan.db"));
        Assert.Empty(Directory.GetFiles(_cli.Folder, "harmattan.db.before-restore-*"));
        Assert.False(File.Exists(_cli.PathOf("harmattan.db.restoring")));
    }

    [Fact]
    public async Task A_restore_refuses_to_replace_a_file_that_is_no_store_and_changes_nothing()
    {
        await StoreAsync("harmattan.db", days: 3);
        SqliteConnection.ClearAllPools();
        Assert.Equal(0, (await _cli.InvokeAsync(["backup", "--out", "backup.db"])).Exit);
        await File.WriteAllTextAsync(_cli.PathOf("notes.txt"), "not a database\n", Ct);
        await using (var other = new SqliteConnection($"Data Source={_cli.PathOf("inventory.db")};Pooling=False"))
        {
            await other.OpenAsync(Ct);
            await using var create = other.CreateCommand();
            create.CommandText = "CREATE TABLE items (name TEXT)";
            await create.ExecuteNonQueryAsync(Ct);
        }

        var (exit, output) = await _cli.InvokeAsync(["restore", "--backup", "backup.db", "--db", "notes.txt"]);
        Assert.True(exit == 2, output);
        // It said the restore failed and to check the free space and the rights.
        Assert.Contains($"error: {_cli.PathOf("notes.txt")} is not a SQLite database, so not a store to replace: check --db", output);

        (exit, output) = await _cli.InvokeAsync(["restore", "--backup", "backup.db", "--db", "inventory.db"]);
        Assert.True(exit == 2, output);
        Assert.Contains($"error: {_cli.PathOf("inventory.db")} is not a Harmattan store: it holds items and none of the store's tables", output);

        Assert.Equal("not a database\n", await File.ReadAllTextAsync(_cli.PathOf("notes.txt"), Ct));
        Assert.Empty(Directory.GetFiles(_cli.Folder, "*.before-restore-*"));
    }

    [Fact]
    public void Two_restores_within_a_second_keep_both_stores_they_replace()
    {
        var now = new DateTime(2026, 12, 6, 5, 0, 0, DateTimeKind.Utc);
        var store = _cli.PathOf("harmattan.db");
        File.WriteAllText(RestoreCommand.KeptName(store, now), "");
        File.WriteAllText(RestoreCommand.KeptName(store, now), "");

        Assert.Equal($"{store}.before-restore-20261206T050000Z-3", RestoreCommand.KeptName(store, now));
    }

    [Fact]
    public async Task A_restore_to_a_path_without_a_store_creates_it_in_a_folder_that_exists()
    {
        await StoreAsync("harmattan.db", days: 3);
        SqliteConnection.ClearAllPools();
        Assert.Equal(0, (await _cli.InvokeAsync(["backup", "--out", "backup.db"])).Exit);

        // A mistyped folder would take the restore, and the services would start again on the store it was meant to replace.
        var (exit, output) = await _cli.InvokeAsync(["restore", "--backup", "backup.db", "--db", Path.Combine("new-machine", "harmattan.db")]);
        Assert.True(exit == 2, output);
        Assert.StartsWith($"error: the folder {_cli.PathOf("new-machine")} does not exist: check --db (or ConnectionStrings__Sqlite), or create " +
            "the folder first. Nothing was changed.", output);
        Assert.False(Directory.Exists(_cli.PathOf("new-machine")));
        // Nor is a folder taken for the store.
        (exit, output) = await _cli.InvokeAsync(["restore", "--backup", "backup.db", "--db", "."]);
        Assert.True(exit == 2, output);
        Assert.StartsWith($"error: {_cli.Folder} is a folder, not a SQLite store: check --db", output);

        Directory.CreateDirectory(_cli.PathOf("new-machine"));
        (exit, output) = await _cli.InvokeAsync(["restore", "--backup", "backup.db", "--db", Path.Combine("new-machine", "harmattan.db")]);

        Assert.True(exit == 0, output);
        Assert.Equal(3, await DaysInAsync(Path.Combine("new-machine", "harmattan.db")));
        Assert.DoesNotContain("kept as", output);
    }

    [Fact]
    public async Task A_restore_refuses_what_is_not_a_finished_backup_and_names_the_fix()
    {
        await StoreAsync("harmattan.db", days: 2);
        SqliteConnection.ClearAllPools();
        var before = await File.ReadAllBytesAsync(_cli.PathOf("harmattan.db"), Ct);
        await File.WriteAllTextAsync(_cli.PathOf("notes.txt"), "not a database", Ct);
        await File.WriteAllBytesAsync(_cli.PathOf("empty.db"), [], Ct);
        await File.WriteAllBytesAsync(_cli.PathOf("copy.db.partial"), before, Ct);
        Directory.CreateDirectory(_cli.PathOf("folder.db"));
        // A backup cut short by a full disk when copied by hand, and another application's database with a table named as one of the store's.
        await StoreAsync("big.db", days: 400);
        SqliteConnection.ClearAllPools();
        var big = await File.ReadAllBytesAsync(_cli.PathOf("big.db"), Ct);
        await File.WriteAllBytesAsync(_cli.PathOf("half.db"), big[..(big.Length / 2)], Ct);
        await using (var lookalike = new SqliteConnection($"Data Source={_cli.PathOf("lookalike.db")};Pooling=False"))
        {
            await lookalike.OpenAsync(Ct);
            await using var create = lookalike.CreateCommand();
            create.CommandText = "CREATE TABLE daily_averages (site TEXT, day TEXT, pm25 REAL)";
            await create.ExecuteNonQueryAsync(Ct);
        }
        await using (var other = new SqliteConnection($"Data Source={_cli.PathOf("other.db")};Pooling=False"))
        {
            await other.OpenAsync(Ct);
            await using var create = other.CreateCommand();
            create.CommandText = "CREATE TABLE invoices (id INTEGER)";
            await create.ExecuteNonQueryAsync(Ct);
        }

        foreach (var (args, expected) in new (string[], string)[]
        {
            (["restore", "--backup", "missing.db"], $"--backup: no file at {_cli.PathOf("missing.db")}."),
            (["restore", "--backup", "copy.db.partial"], "is a backup that did not finish"),
            (["restore", "--backup", "notes.txt"], $"--backup: {_cli.PathOf("notes.txt")} cannot be read as a SQLite database"),
            (["restore", "--backup", "empty.db"], $"--backup: {_cli.PathOf("empty.db")} holds no Harmattan store"),
            (["restore", "--backup", "other.db"], $"--backup: {_cli.PathOf("other.db")} holds no Harmattan store"),
            (["restore", "--backup", "harmattan.db"], "is the store itself; name the backup file."),
            (["restore", "--backup", "folder.db"], $"--backup: {_cli.PathOf("folder.db")} is a folder; name the backup file."),
            (["restore", "--backup", "half.db"], $"--backup: {_cli.PathOf("half.db")} is damaged ("),
            (["restore", "--backup", "lookalike.db"], $"--backup: {_cli.PathOf("lookalike.db")} lacks the store's hourly_averages and raw_fetches table(s), so it is no Harmattan store"),
        })
        {
            var (exit, output) = await _cli.InvokeAsync(args);
            Assert.True(exit == 2, output);
            Assert.Contains(expected, output);
        }
        Assert.Equal(before, await File.ReadAllBytesAsync(_cli.PathOf("harmattan.db"), Ct));
        Assert.DoesNotContain(Directory.GetFiles(_cli.Folder), file => Path.GetFileName(file).StartsWith("harmattan.db.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_backup_carrying_a_trigger_the_store_does_not_make_is_refused_and_the_store_left_as_it_is()
    {
        await StoreAsync("harmattan.db", days: 2);
        SqliteConnection.ClearAllPools();
        var before = await File.ReadAllBytesAsync(_cli.PathOf("harmattan.db"), Ct);
        var (exit, output) = await _cli.InvokeAsync(["backup", "--out", "backup.db"]);
        Assert.True(exit == 0, output);
        // One of its own, which would blank every day stored after the restore, and one of the store's made to do the same.
        foreach (var (file, change) in new[]
        {
            ("added.db", "CREATE TRIGGER zz_persist AFTER INSERT ON hourly_averages BEGIN UPDATE daily_averages SET hours_covered = 0; END"),
            ("changed.db", "DROP TRIGGER daily_averages_written_by_schema_0; " +
                "CREATE TRIGGER daily_averages_written_by_schema_0 AFTER INSERT ON daily_averages BEGIN UPDATE daily_averages SET hours_covered = 0; END"),
        })
        {
            File.Copy(_cli.PathOf("backup.db"), _cli.PathOf(file));
            await using var tamper = new SqliteConnection($"Data Source={_cli.PathOf(file)};Pooling=False");
            await tamper.OpenAsync(Ct);
            await using var command = tamper.CreateCommand();
            command.CommandText = change;
            await command.ExecuteNonQueryAsync(Ct);
        }

        foreach (var (file, trigger) in new[] { ("added.db", "zz_persist"), ("changed.db", "daily_averages_written_by_schema_0") })
        {
            (exit, output) = await _cli.InvokeAsync(["restore", "--backup", file]);
            Assert.True(exit == 2, output);
            Assert.Contains($"error: --backup: {_cli.PathOf(file)} holds {trigger}, trigger(s) or view(s) that this version of " +
                "Harmattan does not make (changed since `harmattan backup` wrote it, or made by a later version?), which would go on acting on the store's writes after the restore; restore another backup.", output);
        }
        Assert.Equal(before, await File.ReadAllBytesAsync(_cli.PathOf("harmattan.db"), Ct));
        Assert.DoesNotContain(Directory.GetFiles(_cli.Folder), file => Path.GetFileName(file).StartsWith("harmattan.db.", StringComparison.Ordinal));

        // The backup as written restores.
        (exit, output) = await _cli.InvokeAsync(["restore", "--backup", "backup.db"]);
        Assert.True(exit == 0, output);
    }

    [Fact]
    public async Task A_backup_of_a_store_upgraded_from_an_earlier_version_restores()
    {
        // Its triggers were made by the upgrade, not with the new store.
        await EarlierStoreFile.CreateAsync(_cli.PathOf("harmattan.db"), Ct);
        await new SqlitePipelineStore($"Data Source={_cli.PathOf("harmattan.db")};Pooling=False").InitializeAsync(Ct);
        var (exit, output) = await _cli.InvokeAsync(["backup", "--out", "backup.db"]);
        Assert.True(exit == 0, output);

        (exit, output) = await _cli.InvokeAsync(["restore", "--backup", "backup.db", "--db", "restored.db"]);

        Assert.True(exit == 0, output);
        Assert.Contains("Restored ", output);
    }

    [Fact]
    public async Task A_store_of_an_earlier_version_is_backed_up_and_exported_as_it_is_and_its_backup_restores_and_reads()
    {
        await EarlierStoreFile.CreateAsync(_cli.PathOf("harmattan.db"), Ct);
        var before = await File.ReadAllBytesAsync(_cli.PathOf("harmattan.db"), Ct);
        string[] export = ["export", "--station", Station, "--from", "2023-06-01", "--to", "2023-06-02", "--out", "-"];

        var (exit, output) = await _cli.InvokeAsync(["backup", "--out", "backup.db"]);
        Assert.True(exit == 0, output);
        // Closed by its last writer, the store's log was folded into its file.
        Assert.Contains("Backed up SQLite", output);
        Assert.DoesNotContain("write-ahead log", output);
        (exit, output) = await _cli.InvokeAsync(export);
        Assert.True(exit == 0, output);
        Assert.Contains($"{Station},2023-06-01,Europe/Paris,0.5,", output);
        (exit, output) = await _cli.InvokeAsync(["status", "--rabbitmq", "amqp://guest:guest@127.0.0.1:1/"]);
        Assert.True(exit == 0, output);
        Assert.Contains($"Store: SQLite {_cli.PathOf("harmattan.db")} (store schema 0, older than this version's {SqlitePipelineStore.SchemaVersion}: " +
            "the first writer of this version to open it (the loader, `harmattan run`, `harmattan archive prune`) upgrades it)", output);

        SqliteConnection.ClearAllPools();
        Assert.Equal(before, await File.ReadAllBytesAsync(_cli.PathOf("harmattan.db"), Ct));
        Assert.DoesNotContain("time_zone", await EarlierStoreFile.DailyColumnsAsync(_cli.PathOf("harmattan.db"), Ct));

        (exit, output) = await _cli.InvokeAsync(["restore", "--backup", "backup.db", "--db", "restored.db"]);
        Assert.True(exit == 0, output);
        Assert.Contains($"The backup is of store schema 0, older than this version's {SqlitePipelineStore.SchemaVersion}: the first writer of " +
            "this version to open it (the loader, `harmattan run`, `harmattan archive prune`) upgrades it, and from then on a version that knows only schema 0 refuses it.", output);
        (exit, output) = await _cli.InvokeAsync([.. export, "--db", "restored.db"]);
        Assert.True(exit == 0, output);
        Assert.Contains($"{Station},2023-06-01,Europe/Paris,0.5,", output);
        Assert.Contains($"{Station},2023-06-02,,0.7,", output);
    }

    [Fact]
    public async Task A_backup_written_by_a_newer_version_is_refused_and_the_store_left_as_it_is()
    {
        await StoreAsync("harmattan.db", days: 2);
        await StoreAsync("newer.db", days: 3);
        await NewerStoreFile.MarkAsync(_cli.PathOf("newer.db"), Ct);
        var before = await File.ReadAllBytesAsync(_cli.PathOf("harmattan.db"), Ct);

        var (exit, output) = await _cli.InvokeAsync(["restore", "--backup", "newer.db"]);

        Assert.True(exit == 2, output);
        // Said to someone running restore: not "restore a backup taken before the upgrade with `harmattan restore`".
        Assert.Contains($"error: --backup: {_cli.PathOf("newer.db")} was written by a newer version of Harmattan (store schema " +
            $"{NewerStoreFile.Schema}; this version knows up to {SqlitePipelineStore.SchemaVersion}): restore it with that version or a later one.", output);
        Assert.Equal(before, await File.ReadAllBytesAsync(_cli.PathOf("harmattan.db"), Ct));
        Assert.DoesNotContain(Directory.GetFiles(_cli.Folder), file => Path.GetFileName(file).StartsWith("harmattan.db.", StringComparison.Ordinal));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_restored_store_takes_the_owner_group_and_permissions_of_the_store_it_replaces()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "giving a file to another user needs root, as `sudo harmattan restore` has");
        await StoreAsync("harmattan.db", days: 3);
        SqliteConnection.ClearAllPools();
        Assert.Equal(0, (await _cli.InvokeAsync(["backup", "--out", "backup.db"])).Exit);
        // The services' user (nobody here) owns a private store, and root restores it.
        var store = _cli.PathOf("harmattan.db");
        const UnixFileMode privateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        new Mono.Unix.UnixFileInfo(store).SetOwner(65534, 65534);
        File.SetUnixFileMode(store, privateMode);

        var (exit, output) = await _cli.InvokeAsync(["restore", "--backup", "backup.db"]);

        Assert.True(exit == 0, output);
        var restored = new Mono.Unix.UnixFileInfo(store);
        Assert.Equal((65534L, 65534L), (restored.OwnerUserId, restored.OwnerGroupId));
        Assert.Equal(privateMode, File.GetUnixFileMode(store));
        Assert.DoesNotContain("chown", output);
    }

    [Fact]
    public async Task A_store_reached_through_a_link_is_restored_where_the_link_leads_and_the_link_stays()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "symbolic links need a privilege on Windows");
        await StoreAsync(Path.Combine("disk", "harmattan.db"), days: 5);
        await StoreAsync("backup-source.db", days: 2);
        SqliteConnection.ClearAllPools();
        Assert.Equal(0, (await _cli.InvokeAsync(["backup", "--db", "backup-source.db", "--out", "backup.db"])).Exit);
        File.CreateSymbolicLink(_cli.PathOf("harmattan.db"), _cli.PathOf(Path.Combine("disk", "harmattan.db")));
        // The link named as the backup is the store itself (the copy would wait for ever on the store restore holds).
        var (refusedExit, refused) = await _cli.InvokeAsync(["restore", "--backup", "harmattan.db"]);
        Assert.True(refusedExit == 2, refused);
        Assert.Contains("is the store itself; name the backup file.", refused);

        var (exit, output) = await _cli.InvokeAsync(["restore", "--backup", "backup.db"]);

        Assert.True(exit == 0, output);
        Assert.Contains($"Restored {_cli.PathOf("backup.db")} to {_cli.PathOf(Path.Combine("disk", "harmattan.db"))}", output);
        Assert.Equal(_cli.PathOf(Path.Combine("disk", "harmattan.db")), new FileInfo(_cli.PathOf("harmattan.db")).LinkTarget);
        Assert.Equal(2, await DaysInAsync("harmattan.db"));
        Assert.Single(Directory.GetFiles(_cli.PathOf("disk"), "harmattan.db.before-restore-*"));
    }

    [Fact]
    public async Task A_restore_to_a_mongodb_store_is_refused_naming_mongorestore()
    {
        var (exit, output) = await _cli.InvokeAsync(["restore", "--backup", "backup.db"],
            new Dictionary<string, string> { ["Storage__Provider"] = "MongoDb" });

        Assert.Equal(2, exit);
        Assert.Contains("restore replaces a SQLite store, and the store configured is MongoDB", output);
        Assert.Contains("mongorestore", output);

        // Named on the command line as the other commands take it, rather than refused as an unknown option.
        (exit, output) = await _cli.InvokeAsync(["restore", "--backup", "backup.db", "--mongo", "mongodb://127.0.0.1:9/"]);

        Assert.Equal(2, exit);
        Assert.Contains("error: restore replaces a SQLite store, and the store configured is MongoDB 127.0.0.1:9, database harmattan: restore MongoDB with mongorestore", output);
    }
}
