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
            CustomParser = result => CommonOptions.FilePath(result, "--out", "harmattan-backup.db"),
            Required = true,
        };
        var db = CommonOptions.Db();
        var mongo = CommonOptions.RefusedMongo(db);
        var command = new Command("backup", "Copy a SQLite store to a file while the services go on writing to it (one consistent instant).")
        {
            output, db, mongo,
        };
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(output)!, result.GetValue(db), result.GetValue(mongo), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo target, FileInfo? db, string? mongo, CancellationToken cancellationToken)
    {
        var builder = CliHost.CreateBuilder(CommonOptions.StoreDefaults, CliHost.Overrides(CommonOptions.StoreOverrides(db, mongo)));
        var source = StoreLocation.SqliteFile(builder.Configuration) ?? throw CliException.Usage(
            $"backup copies a SQLite store, and the store configured is {StoreLocation.Describe(builder.Configuration)}: back MongoDB up " +
            "with mongodump (README, \"Backups\"), or give the SQLite file with --db.");
        StoreLocation.RequireExisting(builder.Configuration);
        RequireNewFile(target, source);
        builder.Services.AddPipelineStoreForReading(builder.Configuration);
        using (var host = builder.Build())
            await StoreLocation.OpenForReadingAsync(host.Services.GetRequiredService<IPipelineStore>(), cancellationToken);

        // Written under another name and renamed when whole, so that a copy stopped halfway never passes for a backup.
        var sourceSize = StoreLocation.SqliteSize(source);
        var clock = Stopwatch.StartNew();
        var copied = false;
        try
        {
            using var copy = await SqliteCopy.CopyAsync(source, target.FullName + ".partial", "harmattan backup", cancellationToken);
            copied = true;
            // As private as the store: the backup holds the same readings.
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(copy.Path, File.GetUnixFileMode(StoreLocation.FinalPath(source)));
            copy.MoveTo(target.FullName);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            AnsiConsole.MarkupLineInterpolated($"Stopped: no backup written ({target.FullName} was not created).");
            return CliException.FailureExitCode;
        }
        catch (IOException) when (copied && File.Exists(target.FullName))
        {
            throw CliException.Failure($"--out: {target.FullName} was created while the backup ran (by another backup?) and was left as it is; " +
                "this backup was not kept: name another file.");
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            throw CliException.Failure($"the backup to {target.FullName} failed ({e.Message}); nothing was written. Check the free space and the rights on {target.DirectoryName}.");
        }

        AnsiConsole.MarkupLineInterpolated(
            $"Backed up SQLite {source} ({sourceSize}) to {target.FullName} ({ArchiveCommand.Bytes(new FileInfo(target.FullName).Length)}) in {Durations.FormatMeasured(clock.Elapsed)}.");
        AnsiConsole.MarkupLineInterpolated(
            $"To restore it: stop the services, then harmattan restore --backup {target.FullName} --db {source}.");
        return 0;
    }

    private static void RequireNewFile(FileInfo target, string source)
    {
        CommonOptions.RequireOutFile(target, "harmattan-backup.db");
        if (string.Equals(target.FullName, source, StringComparison.Ordinal))
            throw CliException.Usage($"--out: {target.FullName} is the store being backed up; name another file.");
        // SQLite would take a file of these names for the store's log or journal when it next opens the store.
        if (StoreLocation.SqliteCompanionSuffixes.Any(suffix => string.Equals(target.FullName, source + suffix, StringComparison.Ordinal)))
            throw CliException.Usage($"--out: {target.FullName} is the name of the store's own {target.Name[(Path.GetFileName(source).Length + 1)..]} file; name another file.");
        if (target.Exists)
            throw CliException.Usage($"--out: {target.FullName} exists, and a backup never replaces a file; remove it or name another file.");
    }
}
