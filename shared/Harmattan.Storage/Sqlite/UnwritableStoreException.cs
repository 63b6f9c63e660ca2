namespace Harmattan.Storage.Sqlite;

/// <summary>
/// The path of the SQLite store cannot hold a store this process may write: a folder, a folder that cannot be made, a
/// file or folder this user may not write. Unlike a store not ready yet it stops the writer as it starts: a loader left
/// running would take every message off its queues into their error queues, and nothing would open the store again.
/// </summary>
public sealed class UnwritableStoreException(string message, Exception cause) : Exception(message, cause);
