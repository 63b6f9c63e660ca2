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

    private PacedFetches Paced(IReadOnlyList<StationDays> asked, StoredDaysTracker tracker, int maxDaysAhead, int daysPerSend = int.MaxValue) =>
        new(asked, tracker, _faults, (part, _) =>
        {
            _sent.Add(daysPerSend == int.MaxValue ? part.StationId : $"{part.StationId} {part.From:MM-dd}..{part.To:MM-dd}");
            return Task.CompletedTask;
        }, maxDaysAhead, daysPerSend);

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

    [Fact]
    public async Task A_long_station_is_sent_in_parts_paced_as_stations_are()
    {
        // One station of decades was sent whole: its peak grew with its range (410 MB for 40 years, 653 MB for 100).
        await _store.InitializeAsync(Ct);
        StationDays[] asked = [Days("900000001", 10), Days("900000002", 2)];
        var tracker = new StoredDaysTracker(_store, asked, StartedAt);
        var paced = Paced(asked, tracker, maxDaysAhead: 4, daysPerSend: 3);

        await paced.SendMoreAsync(Ct);
        Assert.Equal(["900000001 03-01..03-03"], _sent);

        await StoreAsync("900000001", 0);
        await StoreAsync("900000001", 1);
        await tracker.CountAsync(Ct);
        await paced.SendMoreAsync(Ct);
        Assert.Equal(["900000001 03-01..03-03", "900000001 03-04..03-06"], _sent);

        // The station fails: its last part is not sent, and the next station's are.
        _faults.Record(new PipelineFault("900000001", "fetching station 900000001", "AirQino answered 500", "fetch-station-window_error",
            StartedAt, StartedAt.AddDays(2)));
        await paced.SendMoreAsync(Ct);
        Assert.Equal(["900000001 03-01..03-03", "900000001 03-04..03-06", "900000002 03-01..03-02"], _sent);
    }

    [Fact]
    public void A_stations_days_in_parts_cover_each_day_once_and_the_last_part_is_the_rest()
    {
        var days = Days("900000001", 10);

        Assert.Equal(["03-01..03-03", "03-04..03-06", "03-07..03-09", "03-10..03-10"],
            days.Parts(3).Select(p => $"{p.From:MM-dd}..{p.To:MM-dd}"));
        Assert.Equal([days], days.Parts(10));
        Assert.Equal([days], days.Parts(int.MaxValue));
    }

    public void Dispose()
    {
        _store.Dispose();
        TemporarySqliteDatabase.Delete(_path);
    }
}
