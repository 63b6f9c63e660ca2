using System.CommandLine;

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

    public static (string, string?) DbOverride(FileInfo? db) =>
        ("ConnectionStrings:Sqlite", db is null ? null : $"Data Source={db.FullName}");

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
