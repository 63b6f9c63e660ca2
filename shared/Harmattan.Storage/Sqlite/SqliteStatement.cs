using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Harmattan.Storage.Sqlite;

/// <summary>
/// One prepared statement executed row after row on SQLite's own API, for the loader's per-row upserts. A
/// <see cref="SqliteCommand"/> looks every parameter up by name and opens a data reader on each execution, a cost paid
/// on every hourly row; here parameters are bound by position (1-based, in the order of the SQL) and values go in as
/// UTF-8 without an intermediate string.
/// </summary>
internal sealed class SqliteStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    public SqliteStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        Check(raw.sqlite3_prepare_v2(_db, sql, out _statement));
    }

    public void Bind(int index, string value) => Check(raw.sqlite3_bind_text16(_statement, index, value.AsSpan()));

    public void BindUtf8(int index, ReadOnlySpan<byte> value) => Check(raw.sqlite3_bind_text(_statement, index, value));

    public void Bind(int index, long value) => Check(raw.sqlite3_bind_int64(_statement, index, value));

    public void Bind(int index, double value) => Check(raw.sqlite3_bind_double(_statement, index, value));

    /// <summary>The same text as <see cref="SqliteColumns.Instant"/>, formatted straight into UTF-8.</summary>
    public void BindInstant(int index, DateTimeOffset value)
    {
        Span<byte> utf8 = stackalloc byte[SqliteColumns.InstantLength];
        BindUtf8(index, utf8[..SqliteColumns.WriteInstant(value, utf8)]);
    }

    /// <summary>Runs the statement with the values bound, and returns how many rows it changed.</summary>
    public int Execute()
    {
        try
        {
            var result = raw.sqlite3_step(_statement);
            if (result != raw.SQLITE_DONE)
                Check(result);
            return raw.sqlite3_changes(_db);
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    public void Dispose() => _statement.Dispose();

    private void Check(int result) => SqliteException.ThrowExceptionForRC(result, _db);
}
