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
    /// short of the whole: the copy leaves free pages out.
    /// </summary>
    /// <exception cref="OperationCanceledException">Stopped by <paramref name="cancellationToken"/>.</exception>
    public static async Task CopyAsync(string source, string unfinished, CancellationToken cancellationToken)
    {
        var sourceBytes = StoreLocation.SqliteBytes(source);
        DeleteUnfinished(unfinished);
        try
        {
            await using var connection = new SqliteConnection(ReadOnly(source));
            await connection.OpenAsync(cancellationToken);
            await using var vacuum = connection.CreateCommand();
            vacuum.CommandText = "VACUUM INTO $target";
            vacuum.Parameters.AddWithValue("$target", unfinished);
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
                        task.Value = File.Exists(unfinished) ? new FileInfo(unfinished).Length : 0;
                    try
                    {
                        await copy;
                    }
                    catch (SqliteException e) when (cancellationToken.IsCancellationRequested)
                    {
                        throw new OperationCanceledException("The copy was interrupted.", e, cancellationToken);
                    }
                    task.Value = task.MaxValue;
                });
        }
        catch
        {
            DeleteUnfinished(unfinished);
            throw;
        }
    }

    /// <summary>A connection string that opens <paramref name="file"/> only to read it, and closes it when disposed.</summary>
    public static string ReadOnly(string file) =>
        new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();

    /// <summary>The unfinished copy and the rollback journal SQLite leaves beside it when the copy fails (a full disk).</summary>
    private static void DeleteUnfinished(string unfinished)
    {
        File.Delete(unfinished);
        File.Delete(unfinished + "-journal");
    }
}
