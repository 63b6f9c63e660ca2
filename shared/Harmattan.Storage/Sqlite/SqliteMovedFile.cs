using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace Harmattan.Storage.Sqlite;

/// <summary>
/// Whether the file a connection has open is still the one at its path. A store restored while a service ran (the backup
/// moved over it, its write-ahead log removed) leaves the service's pooled connections on the old file, which is gone
/// from the folder: in WAL mode SQLite goes on writing there without an error, and every write after the restore is lost.
/// </summary>
internal static class SqliteMovedFile
{
    private const int HasMovedOpcode = 20; // SQLITE_FCNTL_HAS_MOVED
    private const int ReadOnlyDatabaseMoved = 1032; // SQLITE_READONLY_DBMOVED

    // SQLitePCLRaw 2.1 does not expose sqlite3_file_control; its provider loads this library under this name.
    [DllImport("e_sqlite3", EntryPoint = "sqlite3_file_control")]
    private static extern int FileControl(IntPtr database, [MarshalAs(UnmanagedType.LPUTF8Str)] string databaseName, int opcode, ref int result);

    private static bool _unavailable;

    /// <summary>True when the main database file of <paramref name="connection"/> was renamed or removed since it was opened.</summary>
    public static bool HasMoved(SqliteConnection connection)
    {
        if (_unavailable)
            return false;
        var moved = 0;
        try
        {
            // An in-memory database, or a platform whose SQLite cannot tell, answers an error or leaves moved at 0.
            return FileControl(connection.Handle!.DangerousGetHandle(), "main", HasMovedOpcode, ref moved) == SQLitePCL.raw.SQLITE_OK && moved != 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // A SQLite provider other than the bundled e_sqlite3: the check is lost, never the store.
            _unavailable = true;
            return false;
        }
    }

    public static bool IsError(Exception exception) => exception is SqliteException { SqliteExtendedErrorCode: ReadOnlyDatabaseMoved };

    public static SqliteException Error(string dataSource) => new(
        $"{dataSource} was replaced or removed while this process had it open (a store restored while the services ran?); " +
        "the writes made since went to the old file. The next attempt opens the file now at that path.",
        SQLitePCL.raw.SQLITE_READONLY, ReadOnlyDatabaseMoved);
}
