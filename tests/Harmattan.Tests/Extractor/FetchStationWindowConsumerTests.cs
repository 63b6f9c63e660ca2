using Harmattan.AirQinoSimulator;
using Harmattan.Contracts;
using Harmattan.Extractor;
using Harmattan.Hosting;
using Harmattan.Testing;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Harmattan.Tests.Extractor;

public class FetchStationWindowConsumerTests
{
    private static readonly DateTimeOffset SeriesEnd = new(2023, 12, 10, 5, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset FetchTime = new(2023, 12, 10, 5, 7, 0, TimeSpan.Zero);
    private static readonly string Station = SyntheticAirQino.StationId(0);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<AirQinoSimulatorHost> StartSimulator(int seed) =>
        AirQinoSimulatorHost.StartAsync(new SimulatorOptions { SyntheticStations = 1, Days = 60, Seed = seed, Now = SeriesEnd, IgnoreDates = true }, Ct);

    private static FetchStationWindow Command(DateTimeOffset start, DateTimeOffset end, string stationId = "") => new()
    {
        StationId = stationId.Length > 0 ? stationId : Station,
        WindowStart = start,
        WindowEnd = end,
        TimeZone = "Africa/Abidjan",
        RequestedBy = "test",
    };

    /// <summary>Runs the consumer for each command in its own harness and returns what it published, in order.</summary>
    private static Task<List<RawReadingsFetched>> Fetch(AirQinoSimulatorHost simulator, params FetchStationWindow[] commands) =>
        FetchAsync(simulator, new FakeTimeProvider(FetchTime), _ => { }, commands);

    private static async Task<List<RawReadingsFetched>> FetchAsync(AirQinoSimulatorHost simulator, FakeTimeProvider clock,
        Action<IServiceCollection> configure, params FetchStationWindow[] commands)
    {
        await using var services = ExtractorTestServices.Build(ExtractorTestServices.Settings(simulator.BaseUrl), s =>
        {
            s.AddSingleton<TimeProvider>(clock);
            configure(s);
            s.AddHarmattanTestHarness(x => x.AddConsumer<FetchStationWindowConsumer, FetchStationWindowConsumerDefinition>());
        });
        var harness = services.GetRequiredService<ITestHarness>();
        await harness.Start();
        try
        {
            foreach (var command in commands)
                await harness.Bus.Publish(command, Ct);
            var consumer = harness.GetConsumerHarness<FetchStationWindowConsumer>();
            Assert.True(await consumer.Consumed.Any<FetchStationWindow>(x => x.Context.Message == commands[^1], Ct));
            Assert.False(await harness.Published.Any<Fault<FetchStationWindow>>(Ct));
            return harness.Published.Select<RawReadingsFetched>(Ct).Select(m => m.Context.Message).ToList();
        }
        finally
        {
            await harness.Stop(Ct);
        }
    }

    [Fact]
    public async Task A_fetch_is_stamped_with_the_time_it_was_asked_for_not_the_time_its_answer_came()
    {
        // AirQino takes two seconds to answer: asked for just before a day's last hour ended, the answer may lack that
        // hour, and stamped when it came it would pass for a fetch made after the day ended.
        await using var simulator = await StartSimulator(seed: 5);
        var clock = new FakeTimeProvider(FetchTime);
        var start = new DateTimeOffset(2023, 12, 3, 0, 0, 0, TimeSpan.Zero);

        var published = await FetchAsync(simulator, clock,
            s => s.ConfigureHttpClientDefaults(http => http.AddHttpMessageHandler(() => new SlowAnswer(clock, TimeSpan.FromSeconds(2)))),
            Command(start, start.AddDays(7)));

        Assert.Equal(FetchTime, Assert.Single(published).FetchedAt);
        Assert.True(clock.GetUtcNow() >= FetchTime.AddSeconds(2), "the answer did not move the clock on");
    }

    /// <summary>An answer that arrives <paramref name="delay"/> later on <paramref name="clock"/>.</summary>
    private sealed class SlowAnswer(FakeTimeProvider clock, TimeSpan delay) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            clock.Advance(delay);
            return response;
        }
    }

    [Fact]
    public async Task A_ten_day_window_is_published_as_seven_days_and_three_days()
    {
        await using var simulator = await StartSimulator(seed: 5);
        var start = new DateTimeOffset(2023, 11, 20, 0, 0, 0, TimeSpan.Zero);

        var published = await Fetch(simulator, Command(start, start.AddDays(10)));

        Assert.Equal(2, published.Count);
        Assert.Equal((start, start.AddDays(7)), (published[0].WindowStart, published[0].WindowEnd));
        Assert.Equal((start.AddDays(7), start.AddDays(10)), (published[1].WindowStart, published[1].WindowEnd));
        Assert.All(published, m =>
        {
            Assert.Equal(Station, m.StationId);
            Assert.Equal("Africa/Abidjan", m.TimeZone);
            Assert.Equal(FetchTime, m.FetchedAt);
            Assert.StartsWith($"{simulator.BaseUrl}/v3/getStationHourlyAvg/{Station}?start_date=20231120-0000&end_date=20231130-0000", m.Source);
            Assert.NotEmpty(m.Readings);
            Assert.All(m.Readings, r => Assert.InRange(r.Hour, m.WindowStart, m.WindowEnd.AddTicks(-1)));
            Assert.Equal(FetchIds.For(m.StationId, m.WindowStart, m.WindowEnd, m.Readings), m.FetchId);
        });
        Assert.InRange(published[0].Readings.Count, 140, 175);
        Assert.NotEqual(published[0].FetchId, published[1].FetchId);
    }

    [Fact]
    public async Task Fetching_the_same_content_again_gives_the_same_fetch_ids()
    {
        await using var simulator = await StartSimulator(seed: 5);
        var start = new DateTimeOffset(2023, 11, 20, 0, 0, 0, TimeSpan.Zero);

        var first = await Fetch(simulator, Command(start, start.AddDays(10)));
        var second = await Fetch(simulator, Command(start, start.AddDays(10)));

        Assert.Equal(first.Select(m => m.FetchId), second.Select(m => m.FetchId));
    }

    [Fact]
    public async Task Other_content_for_the_same_window_gives_other_fetch_ids()
    {
        await using var simulator = await StartSimulator(seed: 5);
        await using var otherData = await StartSimulator(seed: 6);
        var start = new DateTimeOffset(2023, 11, 20, 0, 0, 0, TimeSpan.Zero);

        var first = await Fetch(simulator, Command(start, start.AddDays(10)));
        var other = await Fetch(otherData, Command(start, start.AddDays(10)));

        Assert.Equal(first.Select(m => (m.WindowStart, m.WindowEnd)), other.Select(m => (m.WindowStart, m.WindowEnd)));
        Assert.All(first.Zip(other), pair => Assert.NotEqual(pair.First.FetchId, pair.Second.FetchId));
    }

    [Fact]
    public async Task Days_the_source_has_nothing_for_are_still_published_empty()
    {
        await using var simulator = await StartSimulator(seed: 5);
        // The series ends on 10 December, so the second chunk (12-15 December) has no rows.
        var start = new DateTimeOffset(2023, 12, 5, 0, 0, 0, TimeSpan.Zero);

        var published = await Fetch(simulator, Command(start, start.AddDays(10)));

        Assert.Equal(2, published.Count);
        Assert.NotEmpty(published[0].Readings);
        Assert.Empty(published[1].Readings);
        Assert.Equal((start.AddDays(7), start.AddDays(10)), (published[1].WindowStart, published[1].WindowEnd));
    }

    [Fact]
    public async Task An_empty_answer_from_an_API_that_honours_the_dates_stores_the_days_as_missing_at_the_source()
    {
        await using var simulator = await AirQinoSimulatorHost.StartAsync(
            new SimulatorOptions { SyntheticStations = 1, Days = 60, AnyRange = false, Seed = 5, Now = SeriesEnd }, Ct);
        // Long before the series starts: the simulator answers {"data": []} for the asked dates.
        var start = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);

        var published = await Fetch(simulator, Command(start, start.AddDays(3)));

        var chunk = Assert.Single(published);
        Assert.Empty(chunk.Readings);
        Assert.Equal((start, start.AddDays(3)), (chunk.WindowStart, chunk.WindowEnd));
    }

    [Fact]
    public async Task Rows_left_out_for_a_timestamp_that_is_no_hour_start_are_named_in_a_warning()
    {
        const string station = "777000778";
        var folder = Directory.CreateTempSubdirectory("harmattan-offhour-");
        try
        {
            // AirQino moving its buckets to the half hour: every other row would be dropped without a word otherwise.
            var rows = Enumerable.Range(0, 24).Select(h =>
                $$"""{"timestamp": "2023-11-20 {{h:00}}:{{(h % 2 == 0 ? "00" : "30")}}:00", "CO": 0.5}""");
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, station + ".json"), $"[{string.Join(",", rows)}]", Ct);
            await using var simulator = await AirQinoSimulatorHost.StartAsync(
                new SimulatorOptions { StationIds = [station], DataDirectory = folder.FullName, IgnoreDates = true, Now = SeriesEnd }, Ct);
            var logs = new LogCapture();
            await using var services = ExtractorTestServices.Build(ExtractorTestServices.Settings(simulator.BaseUrl), s =>
            {
                s.AddSingleton<ILoggerFactory>(LoggerFactory.Create(b => b.AddProvider(logs)));
                s.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
                s.AddHarmattanTestHarness(x => x.AddConsumer<FetchStationWindowConsumer, FetchStationWindowConsumerDefinition>());
            });
            var harness = services.GetRequiredService<ITestHarness>();
            await harness.Start();
            var start = new DateTimeOffset(2023, 11, 20, 0, 0, 0, TimeSpan.Zero);

            await harness.Bus.Publish(Command(start, start.AddDays(1), station), Ct);

            Assert.True(await harness.Published.Any<RawReadingsFetched>(Ct));
            Assert.Equal(12, harness.Published.Select<RawReadingsFetched>(Ct).Single().Context.Message.Readings.Count);
            var warning = Assert.Single(logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains(station));
            Assert.Contains("has 12 of 24 rows without the start of an hour as timestamp (first: \"2023-11-20 01:30:00\"", warning.Message);
            // The line a fetch is followed by through the transformer's and the loader's logs.
            var fetchId = harness.Published.Select<RawReadingsFetched>(Ct).Single().Context.Message.FetchId;
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!logs.Entries.Any(e => e.Message.StartsWith($"Fetched station {station} ", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
                await Task.Delay(20, Ct);
            var fetched = Assert.Single(logs.Entries, e => e.Message.StartsWith($"Fetched station {station} ", StringComparison.Ordinal));
            Assert.Contains($"published 1 chunks as fetches {fetchId}", fetched.Message);
            await harness.Stop(Ct);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Rows_of_hours_that_had_not_begun_when_asked_for_are_left_out_and_named_in_a_warning()
    {
        const string station = "777000779";
        var folder = Directory.CreateTempSubdirectory("harmattan-ahead-");
        try
        {
            // A source whose clock runs ahead, or this machine's behind: asked at 12:40, the rows go on to 23:00.
            var rows = Enumerable.Range(0, 24).Select(h => $$"""{"timestamp": "2023-11-20 {{h:00}}:00:00", "CO": 0.5}""");
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, station + ".json"), $"[{string.Join(",", rows)}]", Ct);
            await using var simulator = await AirQinoSimulatorHost.StartAsync(
                new SimulatorOptions { StationIds = [station], DataDirectory = folder.FullName, IgnoreDates = true, Now = SeriesEnd }, Ct);
            var logs = new LogCapture();
            var start = new DateTimeOffset(2023, 11, 20, 0, 0, 0, TimeSpan.Zero);
            var askedAt = start.AddHours(12).AddMinutes(40);

            var published = await FetchAsync(simulator, new FakeTimeProvider(askedAt), s =>
            {
                s.AddSingleton<ILoggerFactory>(LoggerFactory.Create(b => b.AddProvider(logs)));
                s.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
            }, Command(start, start.AddDays(1), station));

            // 12:00 is the hour in progress; 13:00 begins 20 minutes later, more than the 15 minutes two clocks may differ.
            Assert.Equal(Enumerable.Range(0, 13).Select(h => start.AddHours(h)), Assert.Single(published).Readings.Select(r => r.Hour));
            var warning = Assert.Single(logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains(station));
            Assert.Contains("has 11 rows of hours that had not begun when it came at 2023-11-20T12:40:00.0000000+00:00 " +
                "(first: 2023-11-20T13:00:00.0000000+00:00); they are left out until a fetch after their hour has begun: check this machine's clock", warning.Message);

            // At 12:50, 13:00 begins within the 15 minutes.
            published = await FetchAsync(simulator, new FakeTimeProvider(askedAt.AddMinutes(10)), _ => { }, Command(start, start.AddDays(1), station));
            Assert.Equal(Enumerable.Range(0, 14).Select(h => start.AddHours(h)), Assert.Single(published).Readings.Select(r => r.Hour));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("Asia/Kolkata", true)]
    [InlineData("UTC", false)]
    public async Task A_command_cutting_days_in_another_zone_than_the_extractors_for_that_station_is_fetched_and_named_in_a_warning(
        string configuredZone, bool warns)
    {
        await using var simulator = await StartSimulator(seed: 6);
        var settings = ExtractorTestServices.Settings(simulator.BaseUrl);
        settings["Stations:0:Id"] = Station;
        settings["Stations:0:TimeZone"] = configuredZone;
        var logs = new LogCapture();
        await using var services = ExtractorTestServices.Build(settings, s =>
        {
            s.AddSingleton<TimeProvider>(new FakeTimeProvider(FetchTime));
            s.AddSingleton<ILoggerFactory>(LoggerFactory.Create(b => b.AddProvider(logs)));
            s.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
            s.AddHarmattanTestHarness(x => x.AddConsumer<FetchStationWindowConsumer, FetchStationWindowConsumerDefinition>());
        });
        var harness = services.GetRequiredService<ITestHarness>();
        await harness.Start();
        var start = new DateTimeOffset(2023, 12, 1, 0, 0, 0, TimeSpan.Zero);

        // Sent by a trigger still configured with the zone before a change (Africa/Abidjan, which cuts days as UTC does).
        await harness.Bus.Publish(Command(start, start.AddDays(1)) with { RequestedBy = "schedule" }, Ct);

        Assert.True(await harness.Published.Any<RawReadingsFetched>(Ct));
        var warnings = logs.Entries.Where(e => e.Level == LogLevel.Warning && e.Message.Contains("Stations:N:TimeZone")).ToList();
        if (warns)
            Assert.StartsWith($"FetchStationWindow for station {Station} (requested by schedule) cuts its days in Africa/Abidjan, but this extractor's " +
                "Stations:N:TimeZone for it is Asia/Kolkata: the days stored replace those of the same dates cut in the configured zone.",
                Assert.Single(warnings).Message);
        else
            Assert.Empty(warnings);
        await harness.Stop(Ct);
    }

    [Theory]
    [InlineData("../admin", 0, "not a valid station id")]
    [InlineData("777000777", -1, "empty window")]
    public async Task A_bad_command_faults_without_calling_the_api(string stationId, int days, string reason)
    {
        await using var simulator = await StartSimulator(seed: 5);
        await using var services = ExtractorTestServices.Build(ExtractorTestServices.Settings(simulator.BaseUrl), s =>
            s.AddHarmattanTestHarness(x => x.AddConsumer<FetchStationWindowConsumer, FetchStationWindowConsumerDefinition>()));
        var harness = services.GetRequiredService<ITestHarness>();
        await harness.Start();
        var start = new DateTimeOffset(2023, 11, 20, 0, 0, 0, TimeSpan.Zero);
        var command = Command(start, start.AddDays(days), stationId);
        if (stationId.Length > 0)
            command = command with { StationId = stationId };

        await harness.Bus.Publish(command, Ct);

        Assert.True(await harness.Published.Any<Fault<FetchStationWindow>>(Ct));
        var fault = harness.Published.Select<Fault<FetchStationWindow>>(Ct).First().Context.Message;
        Assert.Contains(reason, fault.Exceptions.Single().Message);
        Assert.False(await harness.Published.Any<RawReadingsFetched>(Ct));
        // Counted for this station only: another test's client may reach a recycled port of this simulator.
        Assert.Equal(0, simulator.Stats.Requests(command.StationId));
        await harness.Stop(Ct);
    }

    [Fact]
    public void The_endpoint_is_the_fetch_station_window_queue_with_bounded_concurrency()
    {
        var definition = new FetchStationWindowConsumerDefinition(Options.Create(new BusOptions()));
        Assert.Equal("fetch-station-window", ((IConsumerDefinition)definition).GetEndpointName(KebabCaseEndpointNameFormatter.Instance));
        Assert.Equal(4, definition.ConcurrentMessageLimit);
    }
}
