using System.CommandLine;
using System.Diagnostics;
using Harmattan.Cli.Pipeline;
using Harmattan.Storage;
using Microsoft.Data.Sqlite;
using Spectre.Console;

namespace Harmattan.Cli.Commands;

/// <summary>
/// <c>harmattan backup</c>: a copy of a SQLite store as it was at one instant, taken while the services go on writing.
/// Copying the file itself is not one: the latest writes live in its write-ahead log until a checkpoint, and a copy
/// made during a write can be torn.
/// </summary>
public static class BackupCommand
{
    public static Command Create()
    {
        var output = new Option<FileInfo>("--out")
        {
            Description = "File to write the copy to, relative to the current directory; it must not exist yet.",
            Required = true,
        };
        var db = CommonOptions.Db();
        var command = new Command("backup", "Copy a SQLite store to a file while the services go on writing to it (one consistent instant).")
        {
            output, db,
        };
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(output)!, result.GetValue(db), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo target, FileInfo? db, CancellationToken cancellationToken)
    {
        var builder = CliHost.CreateBuilder(CommonOptions.StoreDefaults, CliHost.Overrides(CommonOptions.StoreOverrides(db, null)));
        var source = StoreLocation.SqliteFile(builder.Configuration) ?? throw CliException.Usage(
            $"backup copies a SQLite store, and the store configured is {StoreLocation.Describe(builder.Configuration)}: back MongoDB up " +
            "with mongodump (README, \"Backups\"), or give the SQLite file with --db.");
        StoreLocation.RequireExisting(builder.Configuration);
        RequireNewFile(target, source);
        builder.Services.AddPipelineStoreForReading(builder.Configuration);
        using (var host = builder.Build())
            await StoreLocation.OpenForReadingAsync(host.Services.GetRequiredService<IPipelineStore>(), cancellationToken);

        // Written under another name and renamed when whole, so that a copy stopped halfway never passes for a backup.
        var partial = target.FullName + ".partial";
        var sourceBytes = StoreLocation.SqliteBytes(source);
        var clock = Stopwatch.StartNew();
        try
        {
            DeletePartial(partial);
            await CopyAsync(source, partial, sourceBytes, cancellationToken);
            File.Move(partial, target.FullName);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            DeletePartial(partial);
            AnsiConsole.MarkupLineInterpolated($"Stopped: no backup written ({target.FullName} was not created).");
            return CliException.FailureExitCode;
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            DeletePartial(partial);
            throw CliException.Failure($"the backup to {target.FullName} failed ({e.Message}); nothing was written. Check the free space and the rights on {target.DirectoryName}.");
        }

        AnsiConsole.MarkupLineInterpolated(
            $"Backed up SQLite {source} ({ArchiveCommand.Bytes(sourceBytes)} with its write-ahead log) to {target.FullName} ({ArchiveCommand.Bytes(new FileInfo(target.FullName).Length)}) in {Durations.Format(clock.Elapsed)}.");
        AnsiConsole.MarkupLineInterpolated(
            $"To restore it: stop the services, move it to {source} (and remove any {Path.GetFileName(source)}-wal and -shm beside it), start them again.");
        return 0;
    }

    private static readonly string[] SqliteCompanionSuffixes = ["-wal", "-shm", "-journal"];

    /// <summary>The partial copy and the rollback journal SQLite leaves beside it when the copy fails (a full disk).</summary>
    private static void DeletePartial(string partial)
    {
        File.Delete(partial);
        File.Delete(partial + "-journal");
    }

    private static void RequireNewFile(FileInfo target, string source)
    {
        CommonOptions.RequireOutFile(target, "harmattan-backup.db");
        if (string.Equals(target.FullName, source, StringComparison.Ordinal))
            throw CliException.Usage($"--out: {target.FullName} is the store being backed up; name another file.");
        // SQLite would take a file of these names for the store's log or journal when it next opens the store.
        if (SqliteCompanionSuffixes.Any(suffix => string.Equals(target.FullName, source + suffix, StringComparison.Ordinal)))
            throw CliException.Usage($"--out: {target.FullName} is the name of the store's own {target.Name[(Path.GetFileName(source).Length + 1)..]} file; name another file.");
        if (target.Exists)
            throw CliException.Usage($"--out: {target.FullName} exists, and a backup never replaces a file; remove it or name another file.");
    }

    /// <summary>
    /// <c>VACUUM INTO</c> reads the store in one read transaction, which the loader's writes do not disturb (the store
    /// is in WAL mode), and writes a compact copy. The bar follows the copy's size against the store's, so it may end
    /// short of the whole: the copy leaves free pages out.
    /// </summary>
    private static async Task CopyAsync(string source, string partial, long sourceBytes, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(
            new SqliteConnectionStringBuilder { DataSource = source, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await connection.OpenAsync(cancellationToken);
        await using var vacuum = connection.CreateCommand();
        vacuum.CommandText = "VACUUM INTO $target";
        vacuum.Parameters.AddWithValue("$target", partial);
        vacuum.CommandTimeout = 0;

        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask($"Copying {ArchiveCommand.Bytes(sourceBytes)}", maxValue: Math.Max(sourceBytes, 1));
                // Microsoft.Data.Sqlite cannot cancel a running statement; SQLite's interrupt stops it at its next step.
                await using var interrupt = cancellationToken.Register(() => SQLitePCL.raw.sqlite3_interrupt(connection.Handle));
                var copy = Task.Run(() => vacuum.ExecuteNonQuery(), CancellationToken.None);
                while (await Task.WhenAny(copy, Task.Delay(TimeSpan.FromMilliseconds(500), CancellationToken.None)) != copy)
                    task.Value = File.Exists(partial) ? new FileInfo(partial).Length : 0;
                try
                {
                    await copy;
                }
                catch (SqliteException e) when (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException("The backup was interrupted.", e, cancellationToken);
                }
                task.Value = task.MaxValue;
            });
    }
}
