using System.CommandLine;
using Harmattan.Cli.Pipeline;
using System.Globalization;
using Harmattan.Hosting;
using Harmattan.Loader;
using Harmattan.Storage;
using Harmattan.Storage.Archive;
using Harmattan.Storage.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace Harmattan.Cli.Commands;

/// <summary>
/// <c>harmattan archive prune</c> and <c>harmattan archive stats</c>: the raw archive's size per station, and the prune
/// the loader runs daily (every fetch of the last <c>Archive:KeepAllDays</c> days, then the newest per station-day).
/// </summary>
public static class ArchiveCommand
{
    public static Command Create() => new("archive", "Inspect and prune the archive of raw fetches that replay reads.")
    {
        CreatePrune(),
        CreateStats(),
    };

    private static Command CreatePrune()
    {
        var keepAllDays = CommonOptions.WholeNumber("--keep-all-days",
            "Keep every fetch made in the last N days; older ones only where replay needs them (default: Archive:KeepAllDays, 30).",
            0, 36_500, "use a whole number of days from 0 to 36500, e.g. --keep-all-days 30");
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would be dropped and change nothing." };
        var db = CommonOptions.Db();
        var mongo = CommonOptions.Mongo(db);
        var command = new Command("prune",
            "Drop archived fetches that replay no longer needs: older than the keep-all window and superseded on every day they cover.")
        {
            keepAllDays, dryRun, db, mongo,
        };
        command.SetAction((result, cancellationToken) => PruneAsync(result.GetValue(keepAllDays), result.GetValue(dryRun),
            CommonOptions.StoreOverrides(result.GetValue(db), result.GetValue(mongo)), cancellationToken));
        return command;
    }

    private static Command CreateStats()
    {
        var db = CommonOptions.Db();
        var mongo = CommonOptions.Mongo(db);
        var command = new Command("stats", "Archived fetches and the bytes of their readings, per station.") { db, mongo };
        command.SetAction(async (result, cancellationToken) =>
        {
            using var host = BuildHost(CommonOptions.StoreOverrides(result.GetValue(db), result.GetValue(mongo)));
            var store = host.Services.GetRequiredService<IPipelineStore>();
            await StoreLocation.OpenForReadingAsync(store, cancellationToken);
            var sizes = await ReadSizesAsync(store, cancellationToken);
            WriteSizes(sizes);
            WriteFileSize(store);
            return 0;
        });
        return command;
    }

    private static async Task<int> PruneAsync(int? keepAllDays, bool dryRun, (string, string?)[] storeOverrides,
        CancellationToken cancellationToken)
    {
        using var host = BuildHost(storeOverrides, writes: !dryRun);
        var store = host.Services.GetRequiredService<IPipelineStore>();
        var options = host.Services.GetRequiredService<IOptions<ArchiveOptions>>().Value;
        var now = host.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        // A dry run only reads: on MongoDB it creates no index, so the read role is enough for it. Either way a misspelt
        // MongoDB database is refused before the indexes would create it.
        await StoreLocation.OpenForReadingAsync(store, cancellationToken);
        if (!dryRun)
            await store.InitializeAsync(cancellationToken);

        var fileBefore = FileSize(store);
        var report = await ArchivePruner.PruneAsync(store, now, keepAllDays ?? options.KeepAllDays, dryRun, cancellationToken);
        var verb = dryRun ? "would drop" : "dropped";
        // The loader prunes with its own setting: one configured only there is not this command's.
        var window = keepAllDays is { } given ? $"--keep-all-days {given}" : $"Archive:KeepAllDays {options.KeepAllDays}";
        AnsiConsole.MarkupLineInterpolated(
            $"Kept: every fetch since {report.KeepAllSince:yyyy-MM-dd HH:mm} UTC ({window}), then the newest of each station-day and of each hour.");
        if (keepAllDays is null && host.Services.GetRequiredService<IConfiguration>()[$"{ArchiveOptions.Section}:{nameof(ArchiveOptions.KeepAllDays)}"] is null)
            AnsiConsole.MarkupLineInterpolated(
                $"[yellow]Archive:KeepAllDays is not set for this command: its default, {options.KeepAllDays} days, was kept whole. If the loader keeps more, give the same with --keep-all-days.[/]");
        foreach (var station in report.Stations)
            AnsiConsole.MarkupLineInterpolated(
                $"  station {StoredStations.Printed(station.StationId)}: {verb} {Counted.Of(station.Dropped.Fetches, "fetch", "fetches")} ({Bytes(station.Dropped.ReadingsBytes)}), keeps {station.Kept.Fetches} ({Bytes(station.Kept.ReadingsBytes)}){(station.FetchedAgain > 0 ? $", {station.FetchedAgain} of them fetched again while it pruned" : "")}");
        AnsiConsole.MarkupLineInterpolated(
            $"{(dryRun ? "Dry run: would drop" : "Dropped")} {Counted.Of(report.FetchesDropped, "fetch", "fetches")} ({Bytes(report.BytesDropped)} of readings) of {report.Stations.Count} station(s); {Counted.Of(report.FetchesKept, "fetch", "fetches")} ({Bytes(report.BytesKept)}) kept.");
        if (!dryRun && fileBefore is { } before && FileSize(store) is { } after)
            AnsiConsole.MarkupLineInterpolated($"Database file: {Bytes(before)} -> {Bytes(after)}.");
        return 0;
    }

    /// <summary>Every archived station's fetches and bytes, for <c>stats</c> and <c>status</c>.</summary>
    public static async Task<IReadOnlyList<ArchiveStationSize>> ReadSizesAsync(IPipelineStore store, CancellationToken cancellationToken)
    {
        var sizes = new List<ArchiveStationSize>();
        foreach (var stationId in await store.GetArchivedStationIdsAsync(cancellationToken))
            sizes.Add(ArchiveStationSize.Of(stationId, await store.GetArchivedFetchesAsync(stationId, cancellationToken)));
        return sizes;
    }

    public static void WriteSizes(IReadOnlyList<ArchiveStationSize> sizes)
    {
        AnsiConsole.MarkupLineInterpolated(
            $"Raw archive: {Counted.Of(sizes.Sum(s => s.Fetches), "fetch", "fetches")}, {Bytes(sizes.Sum(s => s.ReadingsBytes))} of readings, {sizes.Count} station(s)");
        foreach (var size in sizes)
            AnsiConsole.MarkupLineInterpolated($"  station {StoredStations.Printed(size.StationId)}: {Counted.Of(size.Fetches, "fetch", "fetches")}, {Bytes(size.ReadingsBytes)}");
    }

    public static void WriteFileSize(IPipelineStore store)
    {
        if (SqliteFile(store) is { } path)
            AnsiConsole.MarkupLineInterpolated($"Database file: {StoreLocation.SqliteSize(path)}.");
    }

    public static string Bytes(long bytes) => bytes switch
    {
        < 10 * 1024 => $"{bytes} B",
        < 10 * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.0} MiB"),
    };

    private static long? FileSize(IPipelineStore store) => SqliteFile(store) is { } path ? StoreLocation.SqliteBytes(path) : null;

    private static string? SqliteFile(IPipelineStore store) =>
        store is SqlitePipelineStore { DataSource: { Length: > 0 } path } && path != ":memory:" && File.Exists(path) ? path : null;

    private static IHost BuildHost((string, string?)[] storeOverrides, bool writes = false)
    {
        var builder = CliHost.CreateBuilder(CommonOptions.StoreDefaults, CliHost.Overrides(storeOverrides));
        // Pruning a mistyped path must not create an empty store and report nothing to prune.
        StoreLocation.RequireExisting(builder.Configuration);
        // Run from cron, perhaps by another user than the services'.
        if (writes)
            StoreLocation.RequireWritableSqliteOrNothing(builder.Configuration);
        builder.Services.AddPipelineStore(builder.Configuration);
        builder.Services.AddValidatedOptions<ArchiveOptions>(ArchiveOptions.Section, ArchiveOptions.Validate);
        return builder.Build();
    }
}
