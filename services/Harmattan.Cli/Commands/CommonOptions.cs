using System.CommandLine;
using Harmattan.Storage;
using Harmattan.Storage.MongoDb;

namespace Harmattan.Cli.Commands;

public static class CommonOptions
{
    /// <summary>The CLI reads and writes the SQLite file in the current directory unless told otherwise.</summary>
    public static readonly IReadOnlyDictionary<string, string?> StoreDefaults = new Dictionary<string, string?>
    {
        ["Storage:Provider"] = "Sqlite",
        ["ConnectionStrings:Sqlite"] = "Data Source=harmattan.db",
    };

    public static Option<FileInfo?> Db() => new("--db")
    {
        Description = "SQLite database file (default: harmattan.db in the current directory; or ConnectionStrings__Sqlite).",
    };

    /// <summary>
    /// <c>--mongo URI</c>: the store is MongoDB instead of SQLite. Without it the CLI follows
    /// <c>Storage__Provider</c> and <c>ConnectionStrings__MongoDb</c>; with <paramref name="db"/> as well it is an error.
    /// </summary>
    public static Option<string?> Mongo(Option<FileInfo?> db)
    {
        var mongo = new Option<string?>("--mongo")
        {
            Description = "MongoDB URI of the store, instead of SQLite, e.g. mongodb://localhost:27017/?replicaSet=rs0 " +
                "(or Storage__Provider=MongoDb with ConnectionStrings__MongoDb). Database: Storage__MongoDatabase (default harmattan).",
        };
        mongo.Validators.Add(result =>
        {
            if (result.GetResult(db) is { Implicit: false })
                result.AddError("--db and --mongo name two different stores: give one of them (--db PATH for SQLite, --mongo URI for MongoDB).");
            else if (!IsMongoUri(result.GetValueOrDefault<string?>()))
                // The value is not echoed: a MongoDB URI can carry a password.
                result.AddError("--mongo is not a MongoDB URI: expected mongodb://[user:password@]host:27017/?replicaSet=rs0.");
        });
        return mongo;
    }

    private static bool IsMongoUri(string? value)
    {
        try
        {
            MongoRegistration.ClientSettings(value ?? "");
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The configuration the store options select: <c>--mongo</c> wins over the SQLite defaults, <c>--db</c> names the SQLite file.</summary>
    public static (string, string?)[] StoreOverrides(FileInfo? db, string? mongo) => mongo is null
        ? [("ConnectionStrings:Sqlite", db is null ? null : $"Data Source={db.FullName}")]
        : [("Storage:Provider", nameof(StorageProvider.MongoDb)), ("ConnectionStrings:MongoDb", mongo)];

    public static Option<string[]> Stations() => new("--station")
    {
        Description = "Station id; repeat for several (default: the configured stations, 283164601 and 283181971).",
        AllowMultipleArgumentsPerToken = false,
    };

    public static Option<DateOnly?> From(bool required = false) => new("--from")
    {
        Description = "First day, YYYY-MM-DD, inclusive, in each station's time zone.",
        Required = required,
    };

    public static Option<DateOnly?> To(bool required = false) => new("--to")
    {
        Description = "Last day, YYYY-MM-DD, inclusive.",
        Required = required,
    };

    public static Option<bool> NoWait(string description) => new("--no-wait") { Description = description };

    public static Option<TimeSpan> IdleTimeout(string whatStalls) => new("--idle-timeout")
    {
        Description = $"Stop waiting when {whatStalls} for this long (default 00:10:00).",
        DefaultValueFactory = _ => TimeSpan.FromMinutes(10),
    };

    /// <summary>Rejects half a range or a reversed one with a message that says what to type.</summary>
    public static void ValidateRange(Command command, Option<DateOnly?> from, Option<DateOnly?> to) =>
        command.Validators.Add(result =>
        {
            var f = result.GetValue(from);
            var t = result.GetValue(to);
            if (f is null != t is null)
                result.AddError("--from and --to go together: give both (e.g. --from 2023-01-01 --to 2023-01-31) or neither.");
            else if (f > t)
                result.AddError($"--from {f:yyyy-MM-dd} is after --to {t:yyyy-MM-dd}.");
        });
}
