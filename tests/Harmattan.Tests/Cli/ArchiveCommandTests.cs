using Harmattan.Cli;
using Harmattan.Contracts;
using Harmattan.Storage.Sqlite;

namespace Harmattan.Tests.Cli;

/// <summary><c>harmattan archive prune</c> on a SQLite file whose fetches are years old: exit codes and what changes.</summary>
public sealed class ArchiveCommandTests : IDisposable
{
    private static readonly DateTimeOffset DayStart = new(2023, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"harmattan-archive-cli-{Guid.NewGuid():N}.db");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        TemporarySqliteDatabase.Delete(_path);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("3.5")]
    [InlineData("99999999999")]
    public async Task A_bad_keep_all_days_exits_with_code_2_and_touches_nothing(string value)
    {
        Assert.Equal(CliException.UsageExitCode, await InvokeAsync("archive", "prune", "--keep-all-days", value, "--db", _path));
        Assert.False(File.Exists(_path));
    }

    [Fact]
    public async Task A_dry_run_changes_nothing_and_a_prune_keeps_the_newest_fetch_of_each_day()
    {
        var fetches = await SeedAsync();

        Assert.Equal(0, await InvokeAsync("archive", "prune", "--dry-run", "--db", _path));
        Assert.Equal(fetches.Count, (await ArchivedAsync()).Count);

        Assert.Equal(0, await InvokeAsync("archive", "prune", "--keep-all-days", "30", "--db", _path));
        Assert.Equal([fetches[^1].FetchId], (await ArchivedAsync()).Select(f => f.FetchId));
        Assert.Equal(0, await InvokeAsync("archive", "stats", "--db", _path));
    }

    private static Task<int> InvokeAsync(params string[] args) =>
        HarmattanCli.InvokeAsync(args, Ct);

    private async Task<List<RawReadingsFetched>> SeedAsync()
    {
        using var store = new SqlitePipelineStore($"Data Source={_path}");
        await store.InitializeAsync(Ct);
        var fetches = Enumerable.Range(0, 5).Select(i => new RawReadingsFetched
        {
            FetchId = Guid.NewGuid(),
            StationId = "283164601",
            WindowStart = DayStart,
            WindowEnd = DayStart.AddDays(1),
            Source = "https://airqino.example/v3/getStationHourlyAvg/283164601",
            FetchedAt = DayStart.AddHours(i * 5 + 1),
            Readings = [new RawReading { Hour = DayStart.AddHours(i), Values = new Dictionary<string, double?> { ["co"] = i } }],
        }).ToList();
        await store.ArchiveRawFetchesAsync(fetches, Ct);
        return fetches;
    }

    private async Task<IReadOnlyList<Harmattan.Storage.Archive.ArchivedFetch>> ArchivedAsync()
    {
        using var store = new SqlitePipelineStore($"Data Source={_path}");
        return await store.GetArchivedFetchesAsync("283164601", Ct);
    }
}
