using Harmattan.Cli.Pipeline;
using Harmattan.Storage.Sqlite;
using static Harmattan.Tests.Cli.CliStoreSeed;

namespace Harmattan.Tests.Cli;

public sealed class PacedFetchesTests : IDisposable
{
    private static readonly DateOnly First = new(2024, 3, 1);
    private static readonly DateTimeOffset StartedAt = new(2024, 4, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"harmattan-paced-{Guid.NewGuid():N}.db");
    private readonly SqlitePipelineStore _store;
    private readonly PipelineFaults _faults = new();
    private readonly List<string> _sent = [];

    public PacedFetchesTests() => _store = new SqlitePipelineStore($"Data Source={_path}");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StationDays Days(string stationId, int count) => new(stationId, TimeZoneInfo.Utc, First, First.AddDays(count - 1));

    private PacedFetches Paced(IReadOnlyList<StationDays> asked, StoredDaysTracker tracker, int maxDaysAhead) =>
        new(asked, tracker, _faults, (station, _) =>
        {
            _sent.Add(station.StationId);
            return Task.CompletedTask;
        }, maxDaysAhead);

    private async Task StoreAsync(string stationId, int day) =>
        await _store.UpsertAveragesAsync([Day(stationId, First.AddDays(day), 24, StartedAt.AddMinutes(1))], Ct);

    [Fact]
    public async Task Stations_are_sent_while_their_days_not_yet_stored_stay_within_the_limit()
    {
        await _store.InitializeAsync(Ct);
        StationDays[] asked = [Days("900000001", 2), Days("900000002", 2), Days("900000003", 3)];
        var tracker = new StoredDaysTracker(_store, asked, StartedAt);
        var paced = Paced(asked, tracker, maxDaysAhead: 4);

        await tracker.CountAsync(Ct);
        await paced.SendMoreAsync(Ct);
        Assert.Equal(["900000001", "900000002"], _sent);

        // One day of the first station stored: 3 days outstanding, and the third station's 3 would make 6.
        await StoreAsync("900000001", 0);
        await tracker.CountAsync(Ct);
        await paced.SendMoreAsync(Ct);
        Assert.Equal(2, _sent.Count);

        // The second station failed: its days will never be stored and no longer count.
        _faults.Record(new PipelineFault("900000002", "fetching station 900000002", "AirQino answered 404", "fetch-station-window_error",
            StartedAt, StartedAt.AddDays(2)));
        await paced.SendMoreAsync(Ct);
        Assert.Equal(["900000001", "900000002", "900000003"], _sent);

        await paced.SendMoreAsync(Ct);
        Assert.Equal(3, _sent.Count);
    }

    [Fact]
    public async Task A_station_asking_more_days_than_the_limit_is_sent_alone_once_nothing_is_outstanding()
    {
        await _store.InitializeAsync(Ct);
        StationDays[] asked = [Days("900000001", 2), Days("900000002", 2)];
        var tracker = new StoredDaysTracker(_store, asked, StartedAt);
        var paced = Paced(asked, tracker, maxDaysAhead: 1);

        await paced.SendMoreAsync(Ct);
        Assert.Equal(["900000001"], _sent);

        await StoreAsync("900000001", 0);
        await StoreAsync("900000001", 1);
        await tracker.CountAsync(Ct);
        await paced.SendMoreAsync(Ct);
        Assert.Equal(["900000001", "900000002"], _sent);
    }

    public void Dispose()
    {
        _store.Dispose();
        TemporarySqliteDatabase.Delete(_path);
    }
}
