using Harmattan.Hosting;
using System.CommandLine;
using System.Globalization;
using Harmattan.Cli.Pipeline;
using Harmattan.Storage;
using Harmattan.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Spectre.Console;

namespace Harmattan.Cli.Commands;

/// <summary>
/// <c>harmattan restore</c>: puts a backup in the place of a SQLite store, once nothing has the store open, and keeps the
/// store it replaces beside it.
/// </summary>
public static class RestoreCommand
{
    public static Command Create()
    {
        var backup = new Option<FileInfo>("--backup")
        {
            Description = "The backup to restore (a file written by `harmattan backup`), relative to the current directory.",
            CustomParser = result => CommonOptions.FilePath(result, "--backup", "harmattan-backup.db"),
            Required = true,
        };
        var db = CommonOptions.Db();
        var mongo = CommonOptions.RefusedMongo(db);
        var command = new Command("restore", "Put a backup in the place of a SQLite store, with the services stopped; the store it replaces is kept beside it.")
        {
            backup, db, mongo,
        };
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(backup)!, result.GetValue(db), result.GetValue(mongo), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo backup, FileInfo? db, string? mongo, CancellationToken cancellationToken)
    {
        var builder = CliHost.CreateBuilder(CommonOptions.StoreDefaults, CliHost.Overrides(CommonOptions.StoreOverrides(db, mongo)));
        var store = StoreLocation.SqliteFile(builder.Configuration) ?? throw CliException.Usage(
            $"restore replaces a SQLite store, and the store configured is {StoreLocation.Describe(builder.Configuration)}: restore MongoDB " +
            "with mongorestore (README, \"Backups\"), or give the SQLite file with --db.");
        // A store linked from elsewhere (onto a data disk) is restored where the link leads, and the link kept.
        store = StoreLocation.FinalPath(store);
        var backupSchema = await RequireBackupAsync(backup, store, cancellationToken);
        await RequireStoreOrNothingAsync(store, cancellationToken);

        var unfinished = store + ".restoring";
        var kept = File.Exists(store) ? KeptName(store, DateTime.UtcNow) : null;
        string? ownerRefused = null;
        try
        {
            // Held until the swap: a service that starts meanwhile cannot open the store and write to the file being replaced.
            await using var exclusive = kept is null ? null : await LockAsync(store, cancellationToken);
            using var copy = await SqliteCopy.CopyAsync(backup.FullName, unfinished, "harmattan restore", cancellationToken);
            await UseWriteAheadLogAsync(copy.Path, cancellationToken);
            if (kept is not null)
                ownerRefused = FileOwnership.CopyTo(store, copy.Path);
            if (exclusive is not null)
            {
                // The store's latest writes move from its log into the file that is kept.
                await using var checkpoint = exclusive.CreateCommand();
                checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
                await checkpoint.ExecuteNonQueryAsync(cancellationToken);
                await exclusive.CloseAsync();
                File.Move(store, kept!);
            }
            // A log or index left beside the store belongs to the file kept: SQLite would apply it to the restored one.
            File.Delete(store + "-wal");
            File.Delete(store + "-shm");
            copy.MoveTo(store);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            AnsiConsole.MarkupLineInterpolated($"Stopped: nothing restored ({store} is as it was).");
            return CliException.FailureExitCode;
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            var storeMoved = kept is not null && File.Exists(kept) && !File.Exists(store) ? $" The store is at {kept}: move it back to {store}." : "";
            throw CliException.Failure($"the restore of {backup.FullName} to {store} failed ({e.Message}).{storeMoved} Check the free space and the rights on {Path.GetDirectoryName(store)}.");
        }

        AnsiConsole.MarkupLineInterpolated($"Restored {backup.FullName} to {store} ({ArchiveCommand.Bytes(new FileInfo(store).Length)}).");
        if (kept is not null)
            AnsiConsole.MarkupLineInterpolated($"The store it replaced is kept as {kept} ({ArchiveCommand.Bytes(new FileInfo(kept).Length)}): delete it once the restored store is what you want.");
        if (ownerRefused is not null)
            AnsiConsole.MarkupLineInterpolated($"[yellow]{ownerRefused}[/]");
        if (backupSchema < SqlitePipelineStore.SchemaVersion)
            AnsiConsole.MarkupLineInterpolated(
                $"[yellow]The backup is of store schema {backupSchema}, older than this version's {SqlitePipelineStore.SchemaVersion}: the first writer of this version to open it (the loader, `harmattan run`, `harmattan archive prune`) upgrades it, and from then on a version that knows only schema {backupSchema} refuses it.[/]");
        AnsiConsole.MarkupLine(
            "Start the services again. What they stored after the backup was taken is not in it: `harmattan backfill` over that time fetches those days again.");
        return 0;
    }

    /// <summary>Beside the store, by the time of the restore; two restores within a second keep both stores.</summary>
    internal static string KeptName(string store, DateTime now)
    {
        var kept = $"{store}.before-restore-{now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";
        var name = kept;
        for (var n = 2; File.Exists(name); n++)
            name = $"{kept}-{n}";
        return name;
    }

    /// <summary>
    /// What is at the store's path is a store, or nothing in an existing folder: a restore puts a store in the place of the
    /// file --db names, and another application's database or a file of another kind named there by mistake is no store to
    /// replace.
    /// </summary>
    private static async Task RequireStoreOrNothingAsync(string store, CancellationToken cancellationToken)
    {
        StoreLocation.RefuseFolder(store);
        StoreLocation.RefuseUnreachable(store);
        // Not created: a mistyped folder would take the restore, and the services would start again on the old store.
        if (Path.GetDirectoryName(store) is { } folder && !Directory.Exists(folder))
            throw CliException.Usage($"the folder {folder} does not exist: check --db (or ConnectionStrings__Sqlite), or create the folder first. Nothing was changed.");
        if (new FileInfo(store) is not { Exists: true, Length: > 0 } file)
            return;
        if (!StoreLocation.IsSqliteDatabase(file))
            throw CliException.Usage($"{store} is not a SQLite database, so not a store to replace: check --db (or ConnectionStrings__Sqlite). Nothing was changed.");
        await using var connection = new SqliteConnection(SqliteCopy.ReadOnly(store));
        await connection.OpenAsync(cancellationToken);
        try
        {
            SqlitePipelineStore.RefuseForeign(store, await SqlitePipelineStore.TablesInAsync(connection, cancellationToken));
        }
        catch (ForeignDatabaseException foreign)
        {
            throw CliException.Usage(StoreLocation.Refusal(foreign));
        }
    }

    /// <returns>The store schema the backup records.</returns>
    private static async Task<long> RequireBackupAsync(FileInfo backup, string store, CancellationToken cancellationToken)
    {
        // The store may be named through a link, and so may the backup.
        if (string.Equals(StoreLocation.FinalPath(backup.FullName), store, StringComparison.Ordinal))
            throw CliException.Usage($"--backup: {backup.FullName} is the store itself; name the backup file.");
        if (backup.Name.EndsWith(".partial", StringComparison.Ordinal))
            throw CliException.Usage($"--backup: {backup.FullName} is a backup that did not finish (`harmattan backup` renames its copy when whole); name a finished one.");
        if (Directory.Exists(backup.FullName))
            throw CliException.Usage($"--backup: {backup.FullName} is a folder; name the backup file.");
        if (!backup.Exists)
            throw CliException.Usage($"--backup: no file at {backup.FullName}.");

        await using var connection = new SqliteConnection(SqliteCopy.ReadOnly(backup.FullName));
        try
        {
            await connection.OpenAsync(cancellationToken);
            var tables = await SqlitePipelineStore.TablesInAsync(connection, cancellationToken);
            if (!tables.Intersect(SqlitePipelineStore.Tables).Any())
                throw CliException.Usage($"--backup: {backup.FullName} holds no Harmattan store; name a file written by `harmattan backup`.");
            // Every store has all its tables from its first write: a file with some is another application's database.
            if (SqlitePipelineStore.Tables.Except(tables).ToList() is { Count: > 0 } missing)
                throw CliException.Usage($"--backup: {backup.FullName} lacks the store's {string.Join(" and ", missing)} table(s), so it is no " +
                    "Harmattan store (another application's database?); name a file written by `harmattan backup`.");
            var schema = await SqlitePipelineStore.RequireKnownSchemaAsync(connection, backup.FullName, cancellationToken);
            if (await SqlitePipelineStore.TriggersAndViewsNotOfTheStoreAsync(connection, cancellationToken) is { Count: > 0 } foreign)
                throw CliException.Usage($"--backup: {backup.FullName} holds {string.Join(", ", foreign.Take(3).Select(name => PrintableText.Of(name, 64)))}{(foreign.Count > 3 ? $" and {foreign.Count - 3} more" : "")}, " +
                    "trigger(s) or view(s) that this version of Harmattan does not make (changed since `harmattan backup` wrote it, or made by a later version?), which would go on acting on " +
                    "the store's writes after the restore; restore another backup.");
            await using var check = connection.CreateCommand();
            check.CommandText = "PRAGMA quick_check";
            check.CommandTimeout = 0;
            if (await check.ExecuteScalarAsync(cancellationToken) is not "ok" and var problem)
                throw CliException.Usage($"--backup: {backup.FullName} is damaged (SQLite's check: {problem}); restore another backup.");
            return schema;
        }
        catch (NewerStoreException e)
        {
            throw CliException.Usage($"--backup: {backup.FullName} was written by a newer version of Harmattan (store schema {e.StoredSchema}; " +
                $"this version knows up to {e.KnownSchema}): restore it with that version or a later one.");
        }
        // The file begins as a database, but its pages are not one.
        catch (SqliteException e) when (e.SqliteErrorCode is SQLitePCL.raw.SQLITE_CORRUPT or SQLitePCL.raw.SQLITE_NOTADB
            && StoreLocation.IsSqliteDatabase(backup))
        {
            throw CliException.Usage($"--backup: {backup.FullName} is damaged ({e.Message}); restore another backup.");
        }
        catch (SqliteException e)
        {
            throw CliException.Usage($"--backup: {backup.FullName} cannot be read as a SQLite database ({e.Message}); name a file written by `harmattan backup`.");
        }
    }

    /// <summary>
    /// The copy is in SQLite's rollback mode, in which a connection holds no lock between transactions: in WAL mode, as
    /// the services would set it, an open connection keeps a later restore out.
    /// </summary>
    private static async Task UseWriteAheadLogAsync(string file, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString());
        await connection.OpenAsync(cancellationToken);
        await using var wal = connection.CreateCommand();
        wal.CommandText = "PRAGMA journal_mode = WAL";
        await wal.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Takes the store for this connection alone, which fails while a service or another command has it open (their
    /// pooled connections keep it open between uses, in any container of the host).
    /// </summary>
    private static async Task<SqliteConnection> LockAsync(string store, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = store, Pooling = false }.ToString());
        try
        {
            await connection.OpenAsync(cancellationToken);
            // One statement per command: Microsoft.Data.Sqlite does not report a busy error of a later statement.
            foreach (var statement in new[] { "PRAGMA locking_mode = EXCLUSIVE", "BEGIN EXCLUSIVE", "COMMIT" })
            {
                await using var command = connection.CreateCommand();
                command.CommandText = statement;
                command.CommandTimeout = 2;
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            return connection;
        }
        catch (SqliteException e) when (e.SqliteErrorCode == SQLitePCL.raw.SQLITE_BUSY)
        {
            await connection.DisposeAsync();
            throw CliException.Usage(
                $"{store} is in use: stop the services that use it (the loader, the extractor and the dashboard) and any harmattan command reading it, then run restore again. Nothing was changed.");
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
