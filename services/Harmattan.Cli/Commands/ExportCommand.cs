using System.CommandLine;
using Harmattan.Cli.Export;
using Harmattan.Cli.Pipeline;
using Harmattan.Stations;
using Harmattan.Storage;

namespace Harmattan.Cli.Commands;

public static class ExportCommand
{
    public static Command Create()
    {
        var station = CommonOptions.Station("Station id to export.");
        var from = CommonOptions.From("First day, YYYY-MM-DD, inclusive (default: the first day stored).");
        var to = CommonOptions.To("Last day, YYYY-MM-DD, inclusive (default: the last day stored).");
        var hourly = new Option<bool>("--hourly")
        {
            Description = "Write the hourly averages of the stored days instead: one row per hour, in UTC and at the station's UTC offset.",
        };
        var output = new Option<FileInfo?>("--out") { Description = "CSV file to write, relative to the current directory (default, or -: standard output)." };
        var db = CommonOptions.Db();
        var mongo = CommonOptions.Mongo(db);

        var command = new Command("export", "Write a station's daily (or, with --hourly, hourly) averages as CSV.") { station, from, to, hourly, output, db, mongo };
        CommonOptions.ValidateRange(command, from, to, together: false);
        command.SetAction(async (result, cancellationToken) =>
        {
            var stationId = result.GetValue(station)!;
            // "-" is standard output, as for most tools that write a file.
            var outFile = result.GetResult(output)?.Tokens is [{ Value: "-" }] ? null : result.GetValue(output);
            if (outFile is { } target)
                CommonOptions.RequireOutFile(target, "averages.csv");
            if (outFile is { } existing && IsSqliteDatabase(existing))
                throw CliException.Usage(
                    $"--out: {existing.FullName} is a SQLite database (a store), which the CSV would overwrite; name another file, e.g. --out averages.csv.");
            var builder = CliHost.CreateBuilder(CommonOptions.StoreDefaults,
                CliHost.Overrides(CommonOptions.StoreOverrides(result.GetValue(db), result.GetValue(mongo))));
            StoreLocation.RequireExisting(builder.Configuration);
            builder.Services.AddPipelineStoreForReading(builder.Configuration);
            using var host = builder.Build();
            var store = host.Services.GetRequiredService<IPipelineStore>();
            await StoreLocation.OpenForReadingAsync(store, cancellationToken);

            var days = await store.GetDailyAveragesAsync(stationId,
                result.GetValue(from) ?? DateOnly.MinValue, result.GetValue(to) ?? DateOnly.MaxValue, cancellationToken);
            Func<TextWriter, Task> write = writer => DailyAveragesCsv.WriteAsync(writer, days, cancellationToken);
            var written = Counted.Of(days.Count, "day", "days");
            if (result.GetValue(hourly))
            {
                var (zone, hours) = await HoursOfAsync(store, stationId, days, cancellationToken);
                write = writer => HourlyAveragesCsv.WriteAsync(writer, hours, zone, cancellationToken);
                written = $"{Counted.Of(hours.Count, "hour", "hours")} ({written}, {zone.Id})";
            }
            if (outFile is { } file)
            {
                await using var writer = OpenForWriting(file);
                await write(writer);
                await Console.Error.WriteLineAsync($"Wrote {written} of station {stationId} to {file.FullName}");
            }
            else
            {
                await write(Console.Out);
            }
            if (days.Count == 0)
            {
                var range = result.GetValue(from) is null && result.GetValue(to) is null ? "" : " in that range";
                var notStored = StoredStations.NotStoredNote(stationId, await store.GetStationIdsAsync(cancellationToken));
                await Console.Error.WriteLineAsync(notStored.Length > 0
                    ? $"No daily averages stored for station {stationId}{range}.{notStored}"
                    : $"No daily averages stored for station {stationId}{range}; run `harmattan run` or `harmattan backfill` first." +
                      StoreLocation.SimulatedStoreHint(builder.Configuration));
            }
            return 0;
        });
        return command;
    }

    /// <summary>
    /// The hours of the stored <paramref name="days"/>, cut in the zone of the station's latest archived fetch, as the
    /// dashboard groups them (UTC for a station without one).
    /// </summary>
    private static async Task<(TimeZoneInfo Zone, IReadOnlyList<StoredHourlyAverage> Hours)> HoursOfAsync(IPipelineStore store,
        string stationId, IReadOnlyList<StoredDailyAverage> days, CancellationToken cancellationToken)
    {
        var activity = await store.GetStationActivityAsync(stationId, cancellationToken);
        var zone = StationsOptions.TryFindTimeZone(activity.LastFetchTimeZone, out var found) ? found : TimeZoneInfo.Utc;
        if (days.Count == 0)
            return (zone, []);
        // The stored days bound the query, not --from and --to: their midnights always exist in the zone.
        var hours = await store.GetHourlyAveragesAsync(stationId, DayWindows.StartOfDay(days.Min(d => d.Date), zone),
            DayWindows.StartOfDay(days.Max(d => d.Date).AddDays(1), zone), cancellationToken);
        return (zone, hours);
    }

    /// <summary>
    /// An export replaces the file it names; a store given by mistake (<c>--out harmattan.db</c>, the file being read)
    /// would be lost. Only a regular file long enough for SQLite's 100-byte header is read, so a device or a pipe
    /// named as the output is never read from.
    /// </summary>
    private static bool IsSqliteDatabase(FileInfo file)
    {
        ReadOnlySpan<byte> magic = "SQLite format 3\0"u8;
        try
        {
            if (!file.Exists || file.Length < 100)
                return false;
            using var stream = file.OpenRead();
            Span<byte> header = stackalloc byte[magic.Length];
            stream.ReadExactly(header);
            return header.SequenceEqual(magic);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            // Unreadable: the write that follows fails with its own message, or succeeds where only writing is allowed.
            return false;
        }
    }

    private static StreamWriter OpenForWriting(FileInfo file)
    {
        try
        {
            return new StreamWriter(file.FullName);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw CannotWrite(file, ex);
        }
    }

    /// <summary>Why <paramref name="file"/> could not be opened for writing, and the fix.</summary>
    internal static CliException CannotWrite(FileInfo file, Exception error) => error switch
    {
        UnauthorizedAccessException when File.Exists(file.FullName) =>
            CliException.Usage($"--out: {file.FullName} exists and this user may not overwrite it; remove it or choose another file."),
        // The cli service of docker compose writes into a host folder that the engine creates owned by root, which its
        // non-root user may not write: the fix is on the host, so the message names the host folder's setting.
        UnauthorizedAccessException =>
            CliException.Usage($"--out: this user may not create files in {file.DirectoryName}; make the folder writable for it or write " +
                "the file elsewhere. Under docker compose it is the host folder HARMATTAN_EXPORTS_DIR (default ./exports): " +
                "mkdir -p exports && chmod a+w exports."),
        _ => CliException.Usage($"--out: {file.FullName} cannot be written ({error.Message}); choose another file."),
    };
}
