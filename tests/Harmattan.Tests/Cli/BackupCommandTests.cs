using Harmattan.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using static Harmattan.Tests.Cli.CliStoreSeed;

namespace Harmattan.Tests.Cli;

[Collection(typeof(CliCollection))]
public sealed class BackupCommandTests : IDisposable
{
    private const string Station = "283164601";
    private static readonly DateOnly First = new(2023, 1, 1);
    private readonly CliRun _cli = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _cli.Dispose();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_backup_holds_the_days_still_in_the_write_ahead_log_and_one_instant_of_a_store_being_written()
    {
        // The writer keeps its connection open, as the loader does: its latest days live in the write-ahead log, which a
        // copy of the database file alone would miss.
        var store = new SqlitePipelineStore($"Data Source={_cli.PathOf("harmattan.db")}");
        await store.InitializeAsync(Ct);
        var written = 0;
        async Task WriteDayAsync()
        {
            await store.UpsertAveragesAsync([Day(Station, First.AddDays(written), 24, DateTimeOffset.UtcNow)], Ct);
            Interlocked.Increment(ref written);
        }
        for (var i = 0; i < 50; i++)
            await WriteDayAsync();

        var (exit, output) = await _cli.InvokeAsync(["backup", "--out", "quiet.db"]);

        Assert.True(exit == 0, output);
        Assert.Contains($"Backed up SQLite {_cli.PathOf("harmattan.db")}", output);
        Assert.Matches(@"\(\d+(\.\d)? (B|KiB|MiB) with its write-ahead log\) to ", output);
        Assert.Contains($"to {_cli.PathOf("quiet.db")}", output);
        Assert.Equal(50, await AssertWholeCopyAsync("quiet.db", 50, 50));

        // While the days go on being written: every day written before the backup began, then a run of later ones
        // without a gap.
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
                await WriteDayAsync();
        }, Ct);
        var before = Volatile.Read(ref written);
        (exit, output) = await _cli.InvokeAsync(["backup", "--out", "busy.db"]);
        await stop.CancelAsync();
        await writer;

        Assert.True(exit == 0, output);
        await AssertWholeCopyAsync("busy.db", before, written);
        Assert.False(File.Exists(_cli.PathOf("busy.db.partial")));
    }

    /// <summary>The copy passes SQLite's integrity check and holds the station's first days without a gap; returns how many.</summary>
    private async Task<int> AssertWholeCopyAsync(string file, int atLeast, int atMost)
    {
        await using (var check = new SqliteConnection($"Data Source={_cli.PathOf(file)};Mode=ReadOnly;Pooling=False"))
        {
            await check.OpenAsync(Ct);
            await using var integrity = check.CreateCommand();
            integrity.CommandText = "PRAGMA integrity_check";
            Assert.Equal("ok", await integrity.ExecuteScalarAsync(Ct));
        }
        var copy = new SqlitePipelineStore($"Data Source={_cli.PathOf(file)};Pooling=False");
        var days = await copy.GetDailyAveragesAsync(Station, DateOnly.MinValue, DateOnly.MaxValue, Ct);
        Assert.InRange(days.Count, atLeast, atMost);
        Assert.Equal(Enumerable.Range(0, days.Count).Select(First.AddDays), days.Select(d => d.Date));
        return days.Count;
    }

    [Fact]
    public async Task A_backup_never_replaces_a_file_or_the_store_and_names_the_fix()
    {
        var store = new SqlitePipelineStore($"Data Source={_cli.PathOf("harmattan.db")};Pooling=False");
        await store.InitializeAsync(Ct);
        await File.WriteAllTextAsync(_cli.PathOf("notes.txt"), "kept", Ct);

        var (exit, output) = await _cli.InvokeAsync(["backup", "--out", "notes.txt"]);
        Assert.Equal(2, exit);
        Assert.Contains($"--out: {_cli.PathOf("notes.txt")} exists, and a backup never replaces a file; remove it or name another file.", output);
        Assert.Equal("kept", await File.ReadAllTextAsync(_cli.PathOf("notes.txt"), Ct));

        (exit, output) = await _cli.InvokeAsync(["backup", "--out", "harmattan.db"]);
        Assert.Equal(2, exit);
        Assert.Contains("is the store being backed up; name another file.", output);

        (exit, output) = await _cli.InvokeAsync(["backup", "--out", "harmattan.db-wal"]);
        Assert.Equal(2, exit);
        Assert.Contains($"--out: {_cli.PathOf("harmattan.db-wal")} is the name of the store's own wal file; name another file.", output);

        (exit, output) = await _cli.InvokeAsync(["backup", "--db", "typo.db", "--out", "copy.db"]);
        Assert.Equal(2, exit);
        Assert.Contains($"no store at {_cli.PathOf("typo.db")}", output);
        Assert.False(File.Exists(_cli.PathOf("copy.db")));
    }

    [Fact]
    public async Task A_second_backup_to_the_same_file_while_one_runs_is_refused_and_what_a_killed_one_left_is_taken_over()
    {
        var store = new SqlitePipelineStore($"Data Source={_cli.PathOf("harmattan.db")};Pooling=False");
        await store.InitializeAsync(Ct);
        await store.UpsertAveragesAsync([Day(Station, First, 24, DateTimeOffset.UtcNow)], Ct);
        var partial = _cli.PathOf("copy.db.partial");

        // A backup under way holds its unfinished copy (a nightly one still running when one is taken by hand): the
        // second neither deletes it nor has its own renamed as finished halfway by the first.
        await using (new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            var (refusedExit, refused) = await _cli.InvokeAsync(["backup", "--out", "copy.db"]);
            Assert.True(refusedExit == 1, refused);
            Assert.Contains($"error: another harmattan backup is writing {partial}; wait for it to end (or stop it), then run harmattan backup again.", refused);
            Assert.True(File.Exists(partial));
            Assert.False(File.Exists(_cli.PathOf("copy.db")));
        }

        // What a killed backup left there is no one's any more.
        await File.WriteAllTextAsync(partial, "half a copy", Ct);
        var (exit, output) = await _cli.InvokeAsync(["backup", "--out", "copy.db"]);

        Assert.True(exit == 0, output);
        Assert.False(File.Exists(partial));
        var copy = new SqlitePipelineStore($"Data Source={_cli.PathOf("copy.db")};Pooling=False");
        Assert.Single(await copy.GetDailyAveragesAsync(Station, DateOnly.MinValue, DateOnly.MaxValue, Ct));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_backup_of_a_private_store_is_private()
    {
        var store = new SqlitePipelineStore($"Data Source={_cli.PathOf("harmattan.db")};Pooling=False");
        await store.InitializeAsync(Ct);
        const UnixFileMode privateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        File.SetUnixFileMode(_cli.PathOf("harmattan.db"), privateMode);

        var (exit, output) = await _cli.InvokeAsync(["backup", "--out", "copy.db"]);

        Assert.True(exit == 0, output);
        Assert.Equal(privateMode, File.GetUnixFileMode(_cli.PathOf("copy.db")));
        Assert.Matches(@" in [0-9]+\.[0-9]s\.", output);
    }

    [Fact]
    public async Task A_backup_of_a_mongodb_store_is_refused_naming_mongodump()
    {
        var (exit, output) = await _cli.InvokeAsync(["backup", "--out", "copy.db"],
            new Dictionary<string, string> { ["Storage__Provider"] = "MongoDb" });

        Assert.Equal(2, exit);
        Assert.Contains("backup copies a SQLite store, and the store configured is MongoDB", output);
        Assert.Contains("mongodump", output);

        // Named on the command line as the other commands take it, rather than refused as an unknown option.
        (exit, output) = await _cli.InvokeAsync(["backup", "--out", "copy.db", "--mongo", "mongodb://127.0.0.1:9/"]);

        Assert.Equal(2, exit);
        Assert.Contains("error: backup copies a SQLite store, and the store configured is MongoDB 127.0.0.1:9, database harmattan: back MongoDB up with mongodump", output);
    }
}
