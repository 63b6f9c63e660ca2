using Harmattan.Cli.Commands;
using Microsoft.Data.Sqlite;
using Spectre.Console;

namespace Harmattan.Cli.Pipeline;

/// <summary>
/// A SQLite file copied through SQLite (<c>VACUUM INTO</c>), for <c>backup</c> and <c>restore</c>: one read transaction
/// on the source, so its write-ahead log is in the copy and writers go on meanwhile, written to an unfinished file that
/// the caller renames when whole.
/// </summary>
public static class SqliteCopy
{
    /// <summary>
    /// Copies <paramref name="source"/> to <paramref name="unfinished"/> with a progress bar, and deletes what a failed or
    /// stopped copy left there before it rethrows. The bar follows the copy's size against the source's, so it may end
    /// short of the whole: the copy leaves free pages out. The unfinished file is held for this copy alone until the
    /// returned copy is moved to its name or disposed: a second copy to the same file at once (a nightly backup still
    /// running when one is taken by hand) is refused instead of deleting this one's file and having its own renamed as
    /// finished halfway. The lock (an advisory one, which every copy takes) dies with the process, so what a killed copy
    /// left is taken over by the next.
    /// </summary>
    /// <param name="command">The command copying, which the refusal of a second copy names.</param>
    /// <exception cref="OperationCanceledException">Stopped by <paramref name="cancellationToken"/>.</exception>
    public static async Task<UnfinishedCopy> CopyAsync(string source, string unfinished, string command, CancellationToken cancellationToken)
    {
        var sourceBytes = StoreLocation.SqliteBytes(source);
        var copy = UnfinishedCopy.Hold(unfinished, command);
        try
        {
            await using var connection = new SqliteConnection(ReadOnly(source));
            await connection.OpenAsync(cancellationToken);
            await using var vacuum = connection.CreateCommand();
            // VACUUM INTO writes into an empty file, which the held one is.
            vacuum.CommandText = "VACUUM INTO $target";
            vacuum.Parameters.AddWithValue("$target", unfinished);
            // How long SQLite waits for a lock, not how long the copy may take: a store locked for good (by a restore) ends
            // the copy with an error, where no limit would wait for ever, deaf to Ctrl-C.
            vacuum.CommandTimeout = 30;

            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask($"Copying {ArchiveCommand.Bytes(sourceBytes)}", maxValue: Math.Max(sourceBytes, 1));
                    // Microsoft.Data.Sqlite cannot cancel a running statement; SQLite's interrupt stops it at its next step.
                    await using var interrupt = cancellationToken.Register(() => SQLitePCL.raw.sqlite3_interrupt(connection.Handle));
                    var copying = Task.Run(() => vacuum.ExecuteNonQuery(), CancellationToken.None);
                    while (await Task.WhenAny(copying, Task.Delay(TimeSpan.FromMilliseconds(500), CancellationToken.None)) != copying)
                        task.Value = File.Exists(unfinished) ? new FileInfo(unfinished).Length : 0;
                    try
                    {
                        await copying;
                    }
                    catch (SqliteException e) when (cancellationToken.IsCancellationRequested)
                    {
                        throw new OperationCanceledException("The copy was interrupted.", e, cancellationToken);
                    }
                    task.Value = task.MaxValue;
                });
            return copy;
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    /// <summary>A connection string that opens <paramref name="file"/> only to read it, and closes it when disposed.</summary>
    public static string ReadOnly(string file) =>
        new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
}
