using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Harmattan.Hosting;
using Harmattan.Storage;
using Harmattan.Storage.MongoDb;

namespace Harmattan.Cli.Commands;

/// <summary>
/// The options several commands share, each parsed and checked before the command runs: a bad value ends in one error
/// line that names it and says what to type (exit code 2), before any store or broker is touched.
/// </summary>
public static class CommonOptions
{
    public const string DateFormat = "yyyy-MM-dd";

    /// <summary>The SQLite file in the current directory that the CLI reads and writes unless told otherwise.</summary>
    public const string DefaultStoreFile = "harmattan.db";

    /// <summary>
    /// Where <c>run --simulate</c> stores unless <c>--db</c> or <c>--mongo</c> names a store: synthetic averages must never
    /// be taken for measurements, so they do not land in the store of real ones by default.
    /// </summary>
    public const string SimulatedStoreFile = "harmattan-simulated.db";

    /// <summary>The database of <c>run --simulate --mongo</c>, whatever the environment names.</summary>
    public const string SimulatedMongoDatabase = "harmattan-simulated";

    public static readonly IReadOnlyDictionary<string, string?> StoreDefaults = new Dictionary<string, string?>
    {
        ["Storage:Provider"] = nameof(StorageProvider.Sqlite),
        ["ConnectionStrings:Sqlite"] = $"Data Source={DefaultStoreFile}",
    };

    public static Option<FileInfo?> Db()
    {
        var db = new Option<FileInfo?>("--db")
        {
            CustomParser = result => FilePath(result, "--db", DefaultStoreFile),
            Description = $"SQLite database file, relative to the current directory (default: {DefaultStoreFile}; or ConnectionStrings__Sqlite).",
        };
        db.Validators.Add(result =>
        {
            // Read as a path, a URI would become a SQLite file named after it in a folder called "mongodb:".
            if (result.Tokens is [{ Value: var value }] && value.StartsWith("mongodb", StringComparison.OrdinalIgnoreCase) && value.Contains("://"))
                result.AddError("--db takes a SQLite file; for a MongoDB store give its URI with --mongo instead.");
        });
        return db;
    }

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
            else if (MongoUriRefusal(result.GetValueOrDefault<string?>()) is { } refusal)
                result.AddError(refusal);
        });
        return mongo;
    }

    /// <summary>
    /// <c>--mongo</c> for a command that only handles SQLite (backup, restore): left out of its help, and taken so that the
    /// command refuses a MongoDB store naming MongoDB's own tools, not as an unknown option.
    /// </summary>
    public static Option<string?> RefusedMongo(Option<FileInfo?> db)
    {
        var mongo = Mongo(db);
        mongo.Hidden = true;
        return mongo;
    }

    /// <summary>Why the store would refuse the URI, or null. The value is not echoed: a MongoDB URI can carry a password.</summary>
    private static string? MongoUriRefusal(string? value)
    {
        try
        {
            MongoRegistration.ClientSettings(value ?? "", setting: "--mongo");
            return null;
        }
        catch (InvalidOperationException e)
        {
            return $"{e.Message}.";
        }
    }

    /// <summary>
    /// The configuration the store options select, over the defaults and the environment: <c>--db</c> a SQLite file (even
    /// where <c>Storage__Provider</c> says MongoDb), <c>--mongo</c> a MongoDB store; neither, nothing.
    /// </summary>
    public static (string, string?)[] StoreOverrides(FileInfo? db, string? mongo) => (db, mongo) switch
    {
        ({ } file, _) => [("Storage:Provider", nameof(StorageProvider.Sqlite)), ("ConnectionStrings:Sqlite", $"Data Source={file.FullName}")],
        (null, { } uri) => [("Storage:Provider", nameof(StorageProvider.MongoDb)), ("ConnectionStrings:MongoDb", uri)],
        _ => [],
    };

    /// <summary>
    /// A file named on the command line. An empty path (an unset shell variable: <c>--db "$STORE"</c>) is one line naming
    /// the option, not the parser's message naming a .NET type.
    /// </summary>
    public static FileInfo? FilePath(ArgumentResult result, string name, string example)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (text.Length > 0)
            return new FileInfo(text);
        result.AddError($"{name}: the path is empty (an unset variable?); name a file, e.g. {name} {example}.");
        return null;
    }

    public static Option<Uri?> RabbitMq()
    {
        var option = new Option<Uri?>("--rabbitmq")
        {
            Description = "RabbitMQ URI, amqp://user:password@host:5672/vhost (default: ConnectionStrings__RabbitMq, else amqp://guest:guest@localhost:5672/).",
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
                if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "amqp" or "amqps" or "rabbitmq" or "rabbitmqs")
                    return uri;
                // The value is not echoed: it may hold a password.
                result.AddError("--rabbitmq is not an AMQP URI: use amqp://user:password@host:5672/vhost.");
                return null;
            },
        };
        return option;
    }

    public static (string, string?) RabbitMqOverride(Uri? rabbitMq) =>
        ($"ConnectionStrings:{BusRegistration.RabbitMqConnectionName}", rabbitMq?.OriginalString);

    public static Option<string[]> Stations(
        string description = "Station id; repeat for several (default: the configured stations, 283164601 and 283181971).")
    {
        var option = new Option<string[]>("--station")
        {
            Description = description,
            AllowMultipleArgumentsPerToken = false,
        };
        option.Validators.Add(result =>
        {
            foreach (var id in result.GetValueOrDefault<string[]>() ?? [])
                CheckStationId(result, id);
        });
        return option;
    }

    public static Option<string> Station(string description)
    {
        var option = new Option<string>("--station") { Description = description, Required = true };
        option.Validators.Add(result => CheckStationId(result, result.GetValueOrDefault<string>() ?? ""));
        return option;
    }

    /// <summary>The extractor's rule: an id goes into a URL path, a message and database keys.</summary>
    private static void CheckStationId(OptionResult result, string id)
    {
        if (!StationId.IsValid(id))
            result.AddError($"--station: '{Shortened(id)}' is not a valid station id; use {StationId.Rule}.");
    }

    public static Option<DateOnly?> From(string description = "First day, YYYY-MM-DD, inclusive, in each station's time zone.",
        bool required = false) => Date("--from", description, required);

    public static Option<DateOnly?> To(string description = "Last day, YYYY-MM-DD, inclusive; at the latest today in the station's time zone.",
        bool required = false) => Date("--to", description, required);

    private static Option<DateOnly?> Date(string name, string description, bool required) => new(name)
    {
        Description = description,
        Required = required,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (DateOnly.TryParseExact(text, DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                return date;
            result.AddError($"{name}: '{Shortened(text)}' is not a date; use YYYY-MM-DD.");
            return null;
        },
    };

    /// <summary>
    /// A whole number from <paramref name="min"/> to <paramref name="max"/>. A value that is not one, or is out of range,
    /// is one error line ending in <paramref name="fix"/> (e.g. "use 1 to 7"), never the parser's exception.
    /// </summary>
    public static Option<int?> WholeNumber(string name, string description, int min, int max, string fix) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
                result.AddError($"{name}: '{Shortened(text)}' is not a whole number; {fix}.");
            else if (value < min || value > max)
                result.AddError($"{name}: {value} is out of range; {fix}.");
            else
                return value;
            return null;
        },
    };

    public static Option<bool> NoWait(string description) => new("--no-wait") { Description = description };

    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromMinutes(10);

    public static Option<TimeSpan?> IdleTimeout(string whatStalls) =>
        Duration("--idle-timeout", $"Stop waiting when {whatStalls} for this long ({Durations.Examples}; default {Durations.Format(DefaultIdleTimeout)}).");

    /// <summary>
    /// A duration in the one syntax of <see cref="Durations"/>. No default value here: the description states it, so that
    /// help shows it once and in the same syntax; the command applies it when the option is absent.
    /// </summary>
    public static Option<TimeSpan?> Duration(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (Durations.TryParse(text, out var duration))
                return duration;
            result.AddError(text.Trim().All(char.IsAsciiDigit) && text.Trim().Length > 0
                ? $"{name}: '{Shortened(text)}' has no unit; add one, e.g. {text.Trim()}s, {text.Trim()}m or {text.Trim()}h ({Durations.Examples})."
                : Durations.IsTooLong(text)
                ? $"{name}: '{Shortened(text)}' has more digits than a duration takes: at most {Durations.Longest}."
                : $"{name}: '{Shortened(text)}' is not a duration longer than zero; use e.g. {Durations.Examples}.");
            return null;
        },
    };

    public static Option<bool> Verbose() => new("--verbose")
    {
        Description = "Log every retry and the services' progress (by default: warnings and errors only).",
    };

    /// <summary>
    /// A file to write given with <c>--out</c>: its folder exists and it is not itself a folder.
    /// <paramref name="example"/> is the file name suggested inside a folder named by mistake.
    /// </summary>
    /// <exception cref="CliException">The folder is missing, or the path is a folder.</exception>
    public static void RequireOutFile(FileInfo file, string example)
    {
        if (file.Directory is { Exists: false } folder)
            throw CliException.Usage($"--out: the folder {folder.FullName} does not exist; create it first or write the file elsewhere.");
        if (Directory.Exists(file.FullName))
            throw CliException.Usage($"--out: {file.FullName} is a folder; name the file to write, e.g. --out {Path.Combine(file.ToString(), example)}.");
    }

    /// <summary>Rejects half a range or a reversed one with a message that says what to type.</summary>
    public static void ValidateRange(Command command, Option<DateOnly?> from, Option<DateOnly?> to, bool together = true) =>
        command.Validators.Add(result =>
        {
            if (!TryGetValue(result, from, out var f) || !TryGetValue(result, to, out var t))
                return;
            // A required option that is missing has its own error.
            if (together && f is null != t is null && !from.Required && !to.Required)
                result.AddError("--from and --to go together: give both (e.g. --from 2023-01-01 --to 2023-01-31) or neither.");
            else if (f > t)
                result.AddError($"--from {f:yyyy-MM-dd} is after --to {t:yyyy-MM-dd}: the range is from..to, both included.");
        });

    /// <summary>False when the value did not parse: its own error says so, and reading it would throw.</summary>
    private static bool TryGetValue(CommandResult result, Option<DateOnly?> option, out DateOnly? value)
    {
        try
        {
            value = result.GetValue(option);
            return true;
        }
        catch (InvalidOperationException)
        {
            value = null;
            return false;
        }
    }

    private static string Shortened(string text) => text.Length > 80 ? text[..80] + "..." : text;
}
