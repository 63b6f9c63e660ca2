using Harmattan.Cli.Commands;
using Harmattan.Storage;
using Harmattan.Storage.MongoDb;
using Harmattan.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Harmattan.Cli.Pipeline;

/// <summary>
/// Which store a command uses, said without credentials, and the checks made before a command opens it: a reading command
/// never creates one, and a user without the rights the store needs is told which, in place of SQLite's bare error.
/// </summary>
public static class StoreLocation
{
    public static string Describe(IConfiguration configuration) =>
        SqliteFile(configuration) is { } file ? $"SQLite {file}" : $"MongoDB {MongoServers(configuration)}, database {MongoDatabase(configuration)}";

    /// <summary>The hosts of <c>ConnectionStrings:MongoDb</c>, without user or password.</summary>
    private static string MongoServers(IConfiguration configuration)
    {
        try
        {
            var uri = configuration.GetConnectionString(MongoStoreOptions.ConnectionStringName) ?? MongoStoreOptions.DefaultConnectionString;
            return MongoRegistration.Hosts(MongoRegistration.ClientSettings(uri));
        }
        catch (InvalidOperationException e)
        {
            // The message names the key and never quotes the URI, which can carry a password.
            return $"({e.Message})";
        }
    }

    private static string MongoDatabase(IConfiguration configuration) =>
        configuration.GetSection(MongoStoreOptions.Section)[nameof(MongoStoreOptions.MongoDatabase)] ?? new MongoStoreOptions().MongoDatabase;

    /// <summary>
    /// A command that only reads the store refuses a SQLite file that does not exist: opening it would create an empty
    /// database at a mistyped path and report "no data" instead of the typo.
    /// </summary>
    /// <exception cref="CliException">The file is missing, or empty: SQLite would make an empty file a store as well.</exception>
    public static void RequireExisting(IConfiguration configuration)
    {
        if (SqliteFile(configuration) is not { } file)
            return;
        RefuseFolder(file);
        if (!File.Exists(file))
        {
            RefuseUnreachable(file);
            throw CliException.Usage(
                $"no store at {file}: check --db (or ConnectionStrings__Sqlite); `harmattan run` or the services create it.{SimulatedStoreHint(file)}{MongoHint(configuration)}");
        }
        if (SqliteBytes(file) == 0)
            throw CliException.Usage(
                $"no store at {file}: the file is empty (0 bytes); check --db (or ConnectionStrings__Sqlite); `harmattan run` or the services create the store.{SimulatedStoreHint(file)}{MongoHint(configuration)}");
    }

    /// <summary>
    /// A file that seems not to be there because it lies in a folder this user may not enter (the services' own, mode
    /// 0700): .NET reports it as missing.
    /// </summary>
    /// <exception cref="CliException">This user may not enter the file's folder or one above it.</exception>
    public static void RefuseUnreachable(string file)
    {
        try
        {
            File.GetAttributes(file);
        }
        catch (UnauthorizedAccessException)
        {
            throw CliException.Usage($"SQLite {file} cannot be reached by this user, who may not enter its folder {Path.GetDirectoryName(file)} " +
                "(or one above it): run the command as the user the services run as, or check the rights, or --db (or ConnectionStrings__Sqlite).");
        }
        catch (IOException)
        {
            // Not there (FileNotFoundException, DirectoryNotFoundException).
        }
    }

    /// <summary>
    /// A command that writes the store (<c>run</c>, which creates it when it is missing; <c>archive prune</c>) refuses, before anything starts, a
    /// path SQLite could not open as one: a folder, a file that is not a SQLite database (its own message names no file),
    /// or a store this user may not write (which it would find only once it had fetched the readings).
    /// </summary>
    /// <exception cref="CliException">The path is a folder or another kind of file, or this user may not write there.</exception>
    public static void RequireWritableSqliteOrNothing(IConfiguration configuration)
    {
        if (SqliteFile(configuration) is not { } file)
            return;
        RefuseFolder(file);
        RefuseUnreachable(file);
        if (new FileInfo(file) is { Exists: true, Length: > 0 } existing)
        {
            bool isSqlite;
            try
            {
                isSqlite = StartsWithSqliteHeader(existing);
            }
            catch (UnauthorizedAccessException)
            {
                throw CliException.Usage(Unreadable(file));
            }
            catch (IOException)
            {
                isSqlite = false;
            }
            if (!isSqlite)
                throw CliException.Usage($"SQLite {file} is not a SQLite database: check --db (or ConnectionStrings__Sqlite).");
        }
        RequireWritable(file);
    }

    /// <summary>
    /// The store and the folder it lies in may be written: SQLite keeps a store's write-ahead log and shared memory beside
    /// it (while a service has the store open, those two files instead). A folder not made yet is made by the store's opening.
    /// </summary>
    private static void RequireWritable(string file)
    {
        const string UserFix = "run the command as the user the services run as, or check the rights, or --db (or ConnectionStrings__Sqlite).";
        const string DiskFix = "check the disk and how it is mounted, or --db (or ConnectionStrings__Sqlite).";
        // A store a service has open has its -wal and -shm beside it, which SQLite then writes instead of the folder.
        string[] companions = [file + "-wal", file + "-shm"];
        var open = File.Exists(file) && companions.All(File.Exists);
        foreach (var existing in (string[])[file, .. open ? companions : []])
        {
            try
            {
                if (File.Exists(existing))
                {
                    using (new FileStream(existing, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
                    {
                    }
                }
            }
            catch (UnauthorizedAccessException)
            {
                throw CliException.Usage($"SQLite {existing} cannot be written by this user: {UserFix}");
            }
            catch (IOException e)
            {
                // A read-only mount: no user may write it.
                throw CliException.Failure($"SQLite {existing} cannot be written ({Reason(e, existing, existing)}): {DiskFix}");
            }
        }
        if (open)
            return;
        // The nearest folder there is: the store's opening makes the ones missing below it.
        var folder = Path.GetDirectoryName(file)!;
        while (!Directory.Exists(folder) && Path.GetDirectoryName(folder) is { } parent)
            folder = parent;
        var probe = Path.Combine(folder, $".harmattan-{Guid.NewGuid():N}.write-check");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (UnauthorizedAccessException)
        {
            throw CliException.Usage($"SQLite {file}: this user may not write in {folder}, where SQLite keeps a store's -wal and -shm files beside it: {UserFix}");
        }
        catch (IOException e)
        {
            // A read-only mount, a full disk or a quota.
            throw CliException.Failure($"SQLite {file}: nothing can be written in {folder} ({Reason(e, probe, folder)}): {DiskFix}");
        }
    }

    /// <summary>The operating system's reason, naming <paramref name="said"/> where it named <paramref name="path"/>.</summary>
    private static string Reason(IOException e, string path, string said) =>
        e.Message.Replace($" : '{path}'", "").Replace(path, said).TrimEnd('.');

    /// <exception cref="CliException">The store's path is a folder.</exception>
    public static void RefuseFolder(string file)
    {
        if (Directory.Exists(file))
            throw CliException.Usage(
                $"{file} is a folder, not a SQLite store: check --db (or ConnectionStrings__Sqlite), e.g. --db {Path.Combine(file, CommonOptions.DefaultStoreFile)}.");
    }

    /// <summary>Another application's database named as the store, and the setting to check.</summary>
    public static string Refusal(ForeignDatabaseException foreign) => $"{foreign.Message}. Check --db (or ConnectionStrings__Sqlite).";

    /// <summary>The files SQLite keeps beside a database: its write-ahead log, its shared memory, its rollback journal.</summary>
    public static readonly string[] SqliteCompanionSuffixes = ["-wal", "-shm", "-journal"];

    /// <summary>
    /// Whether <paramref name="file"/> begins with SQLite's header. Only a regular file long enough for the 100-byte
    /// header is read, so a device or a pipe is never read from; an unreadable file is not one.
    /// </summary>
    public static bool IsSqliteDatabase(FileInfo file)
    {
        try
        {
            return StartsWithSqliteHeader(file);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            return false;
        }
    }

    /// <exception cref="UnauthorizedAccessException">The user may not read the file.</exception>
    private static bool StartsWithSqliteHeader(FileInfo file)
    {
        ReadOnlySpan<byte> magic = "SQLite format 3\0"u8;
        file = new FileInfo(FinalPath(file.FullName));
        if (!file.Exists || file.Length < 100)
            return false;
        using var stream = file.OpenRead();
        Span<byte> header = stackalloc byte[magic.Length];
        stream.ReadExactly(header);
        return header.SequenceEqual(magic);
    }

    /// <summary>
    /// The SQLite database whose write-ahead log, shared memory or journal <paramref name="file"/> is, by its name
    /// (<c>harmattan.db-wal</c>), or null: those files have headers of their own.
    /// </summary>
    public static string? DatabaseOfCompanion(FileInfo file) =>
        // Whatever the letter case: on Windows and macOS harmattan.db-WAL is the log.
        SqliteCompanionSuffixes.Where(suffix => file.FullName.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            .Select(suffix => file.FullName[..^suffix.Length])
            .FirstOrDefault(database => IsSqliteDatabase(new FileInfo(database)));

    /// <summary>
    /// The services follow <c>Storage__Provider</c>, the CLI reads SQLite unless told: a user who set only the MongoDB URI
    /// for the services is looking for their store there.
    /// </summary>
    private static string MongoHint(IConfiguration configuration) =>
        configuration.GetConnectionString(MongoStoreOptions.ConnectionStringName) is { Length: > 0 }
            ? " ConnectionStrings__MongoDb is set, but a command reads SQLite unless given --mongo URI (or Storage__Provider=MongoDb)."
            : "";

    /// <summary>
    /// Readies the store for a command that reads it: the server answers, and a MongoDB database holds the store. MongoDB
    /// creates a database at its first write, so a misspelt <c>Storage:MongoDatabase</c> would read as an empty store
    /// (and a backfill would wait at 0 % while the services store elsewhere).
    /// </summary>
    /// <exception cref="CliException">The MongoDB database holds none of the store's collections, the SQLite file is
    /// another application's, or either is of a newer version.</exception>
    public static async Task OpenForReadingAsync(IPipelineStore store, CancellationToken cancellationToken)
    {
        try
        {
            await store.PrepareForReadingAsync(cancellationToken);
        }
        catch (MissingStoreException e)
        {
            throw CliException.Usage(
                $"no store: {e.WhereNot} holds none of the store's collections. Check Storage__MongoDatabase (default harmattan) " +
                "and --mongo (or ConnectionStrings__MongoDb); the loader creates the store when it starts.");
        }
        catch (ForeignDatabaseException e)
        {
            throw CliException.Usage(Refusal(e));
        }
        catch (StoreNotReadyException e) when (store is SqlitePipelineStore)
        {
            // A file without a table: RequireExisting has refused a missing or empty one.
            throw CliException.Usage($"{e.Message} (a command reads the file --db names).");
        }
        catch (StoreNotReadyException e)
        {
            // MongoDB: a refused login is the invocation's to mend; a connection broken on the way is a failure at run time
            // (and exit 2 of `status --max-age` means stale stations).
            throw e.InnerException is { } cause && MongoPipelineStore.IsRefusedLogin(cause)
                ? CliException.Usage($"{e.Message}.")
                : CliException.Failure($"{e.Message}.");
        }
        catch (NewerStoreException e)
        {
            throw CliException.Usage($"{e.Message}.");
        }
        catch (SqliteException e) when (e.SqliteErrorCode == SQLitePCL.raw.SQLITE_NOTADB)
        {
            // SQLite's own message names no file: a CSV or any other file given as --db by mistake.
            throw CliException.Usage($"{store.Location} is not a SQLite database: check --db (or ConnectionStrings__Sqlite).");
        }
        catch (SqliteException e) when (store is SqlitePipelineStore sqlite && SqlitePipelineStore.IsDeniedOrUnopenable(e))
        {
            // SQLite's own message names neither the file nor what to do, as run by another user than the services' (a cron).
            throw CliException.Usage(NotOpenable(Path.GetFullPath(sqlite.DataSource), e));
        }
    }

    private static string Unreadable(string file) =>
        $"SQLite {file} cannot be read by this user: check its rights, or --db (or ConnectionStrings__Sqlite).";

    private static string NotOpenable(string file, SqliteException e)
    {
        try
        {
            using (File.OpenRead(file))
            {
            }
        }
        catch (UnauthorizedAccessException)
        {
            return Unreadable(file);
        }
        catch (IOException)
        {
            // Reported below with SQLite's own words.
        }
        var folder = Path.GetDirectoryName(file);
        return $"SQLite {file} cannot be opened by this user ({e.Message.TrimEnd('.')}): SQLite reads a store with its {Path.GetFileName(file)}-shm " +
            $"and -wal files beside it, which it creates when they are missing, so this user needs the right to write in {folder} " +
            "or to open those files; run the command as the user the services run as, or check the rights.";
    }

    /// <summary>
    /// For a command that found nothing in the default store: where the simulated store lies beside it, a user who
    /// only ran <c>run --simulate</c> (or whose offline <c>run</c> created an empty default store) is looking for that.
    /// </summary>
    public static string SimulatedStoreHint(IConfiguration configuration) =>
        SqliteFile(configuration) is { } file ? SimulatedStoreHint(file) : "";

    private static string SimulatedStoreHint(string store)
    {
        var folder = Path.GetDirectoryName(store) ?? "";
        return Path.GetFileName(store) == CommonOptions.DefaultStoreFile && File.Exists(Path.Combine(folder, CommonOptions.SimulatedStoreFile))
            ? $" The simulated data of `harmattan run --simulate` are in {CommonOptions.SimulatedStoreFile}: add --db {CommonOptions.SimulatedStoreFile}."
            : "";
    }

    /// <summary>The size of a SQLite store as <see cref="SqliteBytes"/> counts it, saying when its write-ahead log is not empty (it holds the latest writes until a checkpoint).</summary>
    public static string SqliteSize(string path) =>
        ArchiveCommand.Bytes(SqliteBytes(path)) + (new FileInfo(FinalPath(path) + "-wal") is { Exists: true, Length: > 0 } ? " with its write-ahead log" : "");

    /// <summary>The bytes of a SQLite store: its file and its write-ahead log, which holds the latest writes.</summary>
    public static long SqliteBytes(string path)
    {
        var file = FinalPath(path);
        return new[] { file, file + "-wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length);
    }

    /// <summary>
    /// The file a link at <paramref name="path"/> leads to, through every link (SQLite opens that file and keeps its log
    /// beside it), else <paramref name="path"/> itself.
    /// </summary>
    public static string FinalPath(string path) =>
        new FileInfo(path) is { LinkTarget: not null } link && link.ResolveLinkTarget(returnFinalTarget: true) is { } target
            ? target.FullName
            : path;

    /// <summary>The SQLite file's full path (relative paths are relative to the current directory), or null for MongoDB.</summary>
    /// <exception cref="CliException">The SQLite connection string names no file: a database in memory ends with the
    /// command, and no other process sees it.</exception>
    public static string? SqliteFile(IConfiguration configuration)
    {
        var provider = StorageOptions.Read(configuration).Provider;
        if (provider != StorageProvider.Sqlite)
            return null;
        var connection = new SqliteConnectionStringBuilder(StorageRegistration.SqliteConnectionString(configuration));
        if (connection.DataSource is "" or ":memory:" || connection.Mode == SqliteOpenMode.Memory)
            throw CliException.Usage("ConnectionStrings:Sqlite (environment variable ConnectionStrings__Sqlite) names no file but a database in " +
                "memory, which ends with the command: name the store's file, such as \"Data Source=harmattan.db\", or give --db harmattan.db.");
        return Path.GetFullPath(connection.DataSource);
    }
}
