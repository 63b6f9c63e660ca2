using System.CommandLine;
using Harmattan.Cli.Export;
using Harmattan.Cli.Pipeline;
using Harmattan.Contracts;
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
            Description = "Write the hourly averages of the stored days instead: one row per hour, in UTC and at the UTC offset of the zone its day was cut in.",
        };
        var quantity = new Option<string[]>("--quantity")
        {
            Description = "Write the columns of this quantity (co, pm2_5, ...) whether or not the range holds it, and only of those named; " +
                "repeat for several (default: the quantities present in the range). Exports of different ranges then have the same columns.",
            AllowMultipleArgumentsPerToken = false,
        };
        quantity.Validators.Add(result =>
        {
            foreach (var name in result.GetValueOrDefault<string[]>() ?? [])
                if (QuantityNameError(name) is { } error)
                    result.AddError(error);
        });
        var output = new Option<FileInfo?>("--out")
        {
            Description = "CSV file to write, relative to the current directory (default, or -: standard output).",
            CustomParser = result => CommonOptions.FilePath(result, "--out", "averages.csv"),
        };
        var db = CommonOptions.Db();
        var mongo = CommonOptions.Mongo(db);

        var command = new Command("export", "Write a station's daily (or, with --hourly, hourly) averages as CSV.") { station, from, to, hourly, quantity, output, db, mongo };
        CommonOptions.ValidateRange(command, from, to, together: false);
        command.SetAction(async (result, cancellationToken) =>
        {
            var stationId = result.GetValue(station)!;
            // "-" is standard output, as for most tools that write a file.
            var outFile = result.GetResult(output)?.Tokens is [{ Value: "-" }] ? null : result.GetValue(output);
            if (outFile is { } target)
                CommonOptions.RequireOutFile(target, "averages.csv");
            // A link named by --out stays a link: the file it leads to is the one checked below and replaced.
            var given = outFile;
            if (outFile is not null)
                outFile = new FileInfo(StoreLocation.FinalPath(outFile.FullName));
            // An export replaces the file it names: a store given by mistake (--out harmattan.db, the file being read), or
            // its write-ahead log, which holds its latest committed writes, would be lost.
            if (outFile is { } existing && StoreLocation.IsSqliteDatabase(existing))
                throw CliException.Usage(
                    $"--out: {existing.FullName} is a SQLite database (a store), which the CSV would overwrite; name another file, e.g. --out averages.csv.");
            if (outFile is { } companion && StoreLocation.DatabaseOfCompanion(companion) is { } database)
                throw CliException.Usage(
                    $"--out: {companion.FullName} is the {companion.Name[(Path.GetFileName(database).Length + 1)..]} file of the SQLite database {database}, " +
                    "which the CSV would damage; name another file, e.g. --out averages.csv.");
            var builder = CliHost.CreateBuilder(CommonOptions.StoreDefaults,
                CliHost.Overrides(CommonOptions.StoreOverrides(result.GetValue(db), result.GetValue(mongo))));
            StoreLocation.RequireExisting(builder.Configuration);
            builder.Services.AddPipelineStoreForReading(builder.Configuration);
            using var host = builder.Build();
            var store = host.Services.GetRequiredService<IPipelineStore>();
            await StoreLocation.OpenForReadingAsync(store, cancellationToken);

            var days = await store.GetDailyAveragesAsync(stationId,
                result.GetValue(from) ?? DateOnly.MinValue, result.GetValue(to) ?? DateOnly.MaxValue, cancellationToken);
            var configured = StationsOptions.Read(builder.Configuration);
            // A mistyped id would write a CSV of no day, over an earlier export that --out names, and end as a success.
            if (days.Count == 0
                && StoredStations.NotStoredNote(stationId, configured.Any(s => s.Id == stationId),
                    (await store.GetStationActivityAsync(stationId, cancellationToken)).LastFetchedAt,
                    await store.GetStationIdsAsync(cancellationToken)) is { Length: > 0 } notStored)
                throw CliException.Usage($"nothing exported, {(given is null ? "nothing written" : $"{given.FullName} left as it was")}.{notStored}");
            var named = result.GetValue(quantity) is { Length: > 0 } names ? QuantityNames.InDisplayOrder(names) : null;
            var present = DailyAveragesCsv.QuantitiesPresent(days);
            var quantities = named ?? present;
            var unrecorded = await UnrecordedZoneAsync(store, stationId, days, configured, cancellationToken);
            var now = host.Services.GetRequiredService<TimeProvider>().GetUtcNow();
            Func<TextWriter, Task> write = writer => DailyAveragesCsv.WriteAsync(writer, days, quantities, now, cancellationToken, unrecorded.Id);
            var written = Counted.Of(days.Count, "day", "days");
            if (result.GetValue(hourly))
            {
                var hours = await HoursOfAsync(store, stationId, days, unrecorded, cancellationToken);
                present = HourlyAveragesCsv.QuantitiesPresent(hours);
                quantities = named ?? present;
                write = writer => HourlyAveragesCsv.WriteAsync(writer, hours, quantities, cancellationToken);
                var zones = hours.Select(h => h.Zone.Id).Distinct().ToList();
                written = $"{Counted.Of(hours.Count, "hour", "hours")} ({written}{(zones.Count > 0 ? $", {string.Join(" and ", zones)}" : "")})";
            }
            if (outFile is { } file)
            {
                if (WritesInPlace(given!, file))
                    await WriteInPlaceAsync(given!, write);
                else
                    await WriteWholeAsync(file, write);
                await Console.Error.WriteLineAsync($"Wrote {written} of station {stationId} to {given!.FullName}");
            }
            else
            {
                await write(Console.Out);
            }
            if (named is not null && days.Count > 0)
                await NoteQuantitiesAsync(named, present, result.GetValue(hourly) ? "hours" : "days");
            if (days.Count == 0)
            {
                var range = result.GetValue(from) is null && result.GetValue(to) is null ? "" : " in that range";
                await Console.Error.WriteLineAsync(
                    $"No daily averages stored for station {stationId}{range}; run `harmattan run` or `harmattan backfill` first." +
                    StoreLocation.SimulatedStoreHint(builder.Configuration));
            }
            return 0;
        });
        return command;
    }

    /// <summary>
    /// The zone of the stored <paramref name="days"/> that record none (stored before days recorded their zone): that of
    /// the station's latest archived fetch, else its configured one, as the dashboard shows them (UTC without either).
    /// </summary>
    private static async Task<TimeZoneInfo> UnrecordedZoneAsync(IPipelineStore store, string stationId,
        IReadOnlyList<StoredDailyAverage> days, IReadOnlyList<StationConfig> configured, CancellationToken cancellationToken)
    {
        if (days.All(d => StationsOptions.TryFindTimeZone(d.TimeZone, out _)))
            return TimeZoneInfo.Utc;
        var activity = await store.GetStationActivityAsync(stationId, cancellationToken);
        return StationsOptions.ZoneOfDays(activity.LastFetchTimeZone, configured.FirstOrDefault(s => s.Id == stationId)?.TimeZone);
    }

    /// <summary>
    /// The hours of the stored <paramref name="days"/>, each with the zone of its day: the last of them to have begun by
    /// that hour, each day beginning at its midnight in the zone it was cut in (<paramref name="unrecorded"/> for a day
    /// that records none). A station whose zone was changed keeps the days fetched before in the old zone
    /// (docs/stored-data.md), and an hour where two days overlap belongs to the later.
    /// </summary>
    private static async Task<IReadOnlyList<ZonedHour>> HoursOfAsync(IPipelineStore store, string stationId,
        IReadOnlyList<StoredDailyAverage> days, TimeZoneInfo unrecorded, CancellationToken cancellationToken)
    {
        if (days.Count == 0)
            return [];
        var cut = days
            .Select(d => (d.Date, Zone: StationsOptions.TryFindTimeZone(d.TimeZone, out var zone) ? zone : unrecorded))
            .Select(d => (Start: DayWindows.StartOfDay(d.Date, d.Zone), End: DayWindows.StartOfDay(d.Date.AddDays(1), d.Zone), d.Zone))
            .OrderBy(d => d.Start)
            .ToList();
        // The stored days bound the query, not --from and --to: their midnights always exist in their zones.
        var hours = await store.GetHourlyAveragesAsync(stationId, cut[0].Start, cut.Max(d => d.End), cancellationToken);

        var zoned = new List<ZonedHour>(hours.Count);
        var day = 0;
        foreach (var hour in hours.OrderBy(h => h.Hour))
        {
            while (day + 1 < cut.Count && cut[day + 1].Start <= hour.Hour)
                day++;
            zoned.Add(new ZonedHour(hour, cut[day].Zone));
        }
        return zoned;
    }

    /// <summary>
    /// A quantity name that cannot be stored as given: a known quantity spelt otherwise (<c>pm25</c>, <c>PM2.5</c>) or a
    /// name no quantity can have would write empty columns without a word.
    /// </summary>
    private static string? QuantityNameError(string name)
    {
        var known = QuantityNames.KnownLike(name);
        if (known is not null && known != name)
            return $"--quantity {name}: the averages call it {known}; use --quantity {known}.";
        if (known is null && !QuantityNames.IsCanonical(name))
            return $"--quantity '{name}' names no quantity: quantity names are {QuantityNames.Rule} (the columns of an export " +
                "without --quantity name those stored).";
        return null;
    }

    /// <summary>
    /// Says on standard error which named quantities the export holds none of (their columns are empty, as intended
    /// for a month without that sensor, or a name the store never held) and which quantities it holds that were left out.
    /// </summary>
    private static async Task NoteQuantitiesAsync(IReadOnlyList<string> named, IReadOnlyList<string> present, string rows)
    {
        var absent = named.Except(present).ToList();
        if (absent.Count > 0)
            await Console.Error.WriteLineAsync(
                $"No exported {rows} hold {string.Join(", ", absent)}: {(absent.Count == 1 ? "its" : "their")} columns are empty" +
                $" (the {rows} hold {(present.Count > 0 ? string.Join(", ", present) : "no quantity")}).");
        var leftOut = present.Except(named).ToList();
        if (leftOut.Count > 0)
            await Console.Error.WriteLineAsync(
                $"Left out: {string.Join(", ", leftOut)}, held by the exported {rows} but not named by --quantity.");
    }

    /// <summary>
    /// Whether the CSV goes straight into <paramref name="file"/>, as a shell's <c>&gt;</c> writes: a device, a terminal or a
    /// pipe (<c>/dev/null</c>, <c>/dev/stdout</c>, <c>&gt;(gzip ...)</c>, a FIFO), which a rename would replace by a plain
    /// file, and an empty file, which holds nothing to keep. (.NET tells no file type apart; those all have no length.)
    /// </summary>
    internal static bool WritesInPlace(FileInfo given, FileInfo file) =>
        new[] { given.FullName, file.FullName }.Any(path => path.StartsWith("/dev/", StringComparison.Ordinal) || path.StartsWith("/proc/", StringComparison.Ordinal))
        || (File.Exists(file.FullName) && new FileInfo(file.FullName).Length == 0);

    /// <summary>
    /// Writes the CSV beside <paramref name="file"/> under another name and renames it over the file when whole, so that
    /// an export stopped halfway (Ctrl-C, a full disk) leaves the file it would have replaced as it was, never a shorter
    /// CSV that passes for the export, and a reader of the file meanwhile reads the one or the other. The new file takes
    /// the permissions of the one it replaces, which this user must be allowed to write, as when it was written in place.
    /// </summary>
    internal static async Task WriteWholeAsync(FileInfo file, Func<TextWriter, Task> write)
    {
        var replacing = File.Exists(file.FullName);
        if (replacing)
            await using (Open(file, file.FullName, creating: false, append: true)) { }
        var partial = file.FullName + ".partial";
        var writer = OpenPartial(file, partial);
        var renamed = false;
        try
        {
            try
            {
                await write(writer);
                await writer.FlushAsync();
                // On disk before it replaces the file: a network share may report a full disk or quota only here.
                ((FileStream)writer.BaseStream).Flush(flushToDisk: true);
                if (replacing && !OperatingSystem.IsWindows())
                    File.SetUnixFileMode(partial, File.GetUnixFileMode(file.FullName));
            }
            catch (Exception ex)
            {
                File.Delete(partial);
                if (ex is IOException)
                    throw CliException.Failure($"--out: writing {file.FullName} failed ({ex.Message}); " +
                        $"{(replacing ? "the file is as it was before the export" : "no file was created")}. " +
                        $"Check the free space and the rights on {file.DirectoryName}.");
                throw;
            }
            try
            {
                // Renamed while still held, so that no other export opens the name between the close and the rename.
                File.Move(partial, file.FullName, overwrite: true);
                renamed = true;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                File.Delete(partial);
                throw ex is UnauthorizedAccessException ? CannotWrite(file, ex, creating: false) : CliException.Failure(
                    $"--out: {file.FullName} could not be replaced ({ex.Message}); it is as it was before the export. " +
                    "Close any program that holds it open, or choose another file.");
            }
        }
        finally
        {
            try
            {
                await writer.DisposeAsync();
            }
            // What a failed write left in the buffer has no file left to go to.
            catch (IOException) when (!renamed)
            {
            }
        }
    }

    internal static async Task WriteInPlaceAsync(FileInfo file, Func<TextWriter, Task> write)
    {
        await using var writer = Open(file, file.FullName, creating: false);
        await write(writer);
    }

    /// <summary>
    /// <paramref name="partial"/> held for this export alone until it is renamed: a second export of the same file at once
    /// (a scheduled one and one by hand) would write into it, and each rename the other's bytes over the file. The lock
    /// (an advisory one on Linux and macOS, which every export takes) dies with the process, so what a killed export left
    /// is taken over by the next. On Windows the holder shares only deleting, which the rename over the file needs.
    /// </summary>
    private static StreamWriter OpenPartial(FileInfo file, string partial)
    {
        try
        {
            UnfinishedCopy.RemoveLink(partial);
            return new StreamWriter(new FileStream(partial, FileMode.Create, FileAccess.Write,
                OperatingSystem.IsWindows() ? FileShare.Delete : FileShare.None));
        }
        catch (IOException ex) when (UnfinishedCopy.HeldByAnother(ex))
        {
            throw CliException.Failure($"--out: another export to {file.FullName} is under way (it holds {partial}); " +
                "wait for it to end, or write another file.");
        }
        catch (UnauthorizedAccessException) when (File.Exists(partial))
        {
            throw CliException.Usage($"--out: {partial} belongs to an export by another user, under way or stopped before " +
                "it finished, and this user may not replace it; once no export of that user is running, remove it, or write another file.");
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw CannotWrite(file, ex, creating: true);
        }
    }

    private static StreamWriter Open(FileInfo file, string path, bool creating, bool append = false)
    {
        try
        {
            return new StreamWriter(path, append);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw CannotWrite(file, ex, creating);
        }
    }

    /// <summary>
    /// Why <paramref name="file"/> could not be written, and the fix: refused while <paramref name="creating"/> the CSV
    /// beside it (the folder's rights) or while renaming it over the file.
    /// </summary>
    internal static CliException CannotWrite(FileInfo file, Exception error, bool creating) => error switch
    {
        UnauthorizedAccessException when !creating && File.Exists(file.FullName) =>
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
