using Harmattan.Stations;
using System.Net;
using System.Text.Json;
using Harmattan.AirQinoSimulator;
using Harmattan.Contracts;
using Harmattan.Extractor;

namespace Harmattan.Tests.Simulator;

public class AirQinoSimulatorTests
{
    private static readonly DateTimeOffset Now = new(2023, 12, 10, 0, 30, 0, TimeSpan.Zero);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<AirQinoSimulatorHost> Start(SimulatorOptions options)
    {
        options.Now ??= Now;
        return AirQinoSimulatorHost.StartAsync(options, Ct);
    }

    [Fact]
    public async Task The_recorded_samples_are_served_whole_with_a_header_in_the_real_shape()
    {
        Assert.SkipWhen(AirQinoSamples.Directory is null, AirQinoSamples.MissingReason);
        await using var simulator = await Start(new SimulatorOptions { DataDirectory = AirQinoSamples.Directory });
        using var http = new HttpClient();

        var body = await http.GetByteArrayAsync($"{simulator.BaseUrl}/v3/getStationHourlyAvg/283181971", Ct);

        using var document = JsonDocument.Parse(body);
        Assert.Equal("283181971", document.RootElement.GetProperty("header").GetProperty("station_id").GetString());
        var data = document.RootElement.GetProperty("data");
        Assert.Equal(8029, data.GetArrayLength());
        Assert.True(data[0].TryGetProperty("T. int.", out _));
        Assert.True(data[0].TryGetProperty("PM2.5", out _));
        Assert.Equal(8029, AirQinoParser.Parse(body, "283181971", "simulator").Readings.Count);
    }

    [Fact]
    public async Task A_recorded_file_named_after_the_station_is_served_and_dates_are_honoured_by_default()
    {
        var directory = Directory.CreateTempSubdirectory("airqino-sim-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "ST1.json"), """
                {"header":{},"data":[{"timestamp":"2023-12-01 00:00:00","CO":1},{"timestamp":"2023-12-01 01:00:00","CO":2},
                {"timestamp":"2023-12-02 00:00:00","CO":3}]}
                """, Ct);
            await using var simulator = await Start(new SimulatorOptions { DataDirectory = directory.FullName });
            using var http = new HttpClient();

            var body = await http.GetByteArrayAsync(
                $"{simulator.BaseUrl}/v3/getStationHourlyAvg/ST1?start_date=20231201-0100&end_date=20231202-0000", Ct);

            Assert.Equal([2.0], AirQinoParser.Parse(body, "ST1", "simulator").Readings.Select(r => r.Values["co"]!.Value));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_recording_dated_in_the_other_forms_the_extractor_reads_is_served_by_date()
    {
        var directory = Directory.CreateTempSubdirectory("airqino-sim-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "ST1.json"), """
                [{"timestamp":"2023-12-01T00:00:00","CO":1},{"timestamp":"2023-12-01T01:00:00Z","CO":2},
                {"timestamp":"2023-12-01T03:00:00+01:00","CO":3},{"timestamp":"2023-12-01 03:00:00.000","CO":4},
                {"timestamp":"2023-12-02T00:00:00Z","CO":5},{"timestamp":"01:00:00","CO":6},{"timestamp":"12.5","CO":7},
                {"timestamp":"04/02/2026 00:00","CO":8},{"timestamp":"2023-12-01","CO":9}]
                """, Ct);
            await using var simulator = await Start(new SimulatorOptions { DataDirectory = directory.FullName });
            using var http = new HttpClient();

            var body = await http.GetByteArrayAsync(
                $"{simulator.BaseUrl}/v3/getStationHourlyAvg/ST1?start_date=20231201-0100&end_date=20231202-0000", Ct);

            Assert.Equal([2.0, 3.0, 4.0], AirQinoParser.Parse(body, "ST1", "simulator").Readings.Select(r => r.Values["co"]!.Value));
            // The rows whose timestamp is no hour the extractor takes are not dated: the span the synthetic hours stop at is the recording's.
            Assert.Contains("recorded: ST1.json, 9 rows from 2023-12-01 00:00Z to 2023-12-02 00:00Z", simulator.Describe());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("2023-12-01 01:00:00")]
    [InlineData("2023-12-01T01:00:00")]
    [InlineData("2023-12-01T01:00:00Z")]
    [InlineData("2023-12-01T02:00:00+01:00")]
    [InlineData("2023-12-01 02:00:00+01:00")]
    [InlineData("2023-12-01 01:00:00.0000000")]
    [InlineData("2023-12-01T00:00:00.000-01:00")]
    [InlineData("2023-12-01T01:00")]
    [InlineData("2023-12-01T01:00Z")]
    [InlineData("2023-12-01 01:00")]
    [InlineData("2023-12-01")]
    [InlineData("01:00:00")]
    [InlineData("04/02/2026 00:00")]
    [InlineData("Dec 1 2023 01:00")]
    [InlineData("12.5")]
    [InlineData("2023-12-01T01:00:00 junk")]
    [InlineData("2023-12-01T02:00:00+0100")]
    [InlineData("2023-12-01T02:00:00+1:00")]
    [InlineData("2023-12-01T01:00:00.")]
    [InlineData("2023-12-01T01:00:00\n")]
    public void The_simulator_dates_a_recorded_timestamp_as_the_extractor_does(string timestamp)
    {
        var row = System.Text.Encoding.UTF8.GetBytes($$"""[{"timestamp":{{JsonSerializer.Serialize(timestamp)}},"CO":1}]""");
        // A second row the extractor takes: a response without one is refused whole.
        var extracted = AirQinoParser.Parse([.. row[..^1], .. """,{"timestamp":"2023-11-01 00:00:00","CO":1}]"""u8], "ST1", "test");
        DateTimeOffset? extractor = extracted.Readings.Count == 2 ? extracted.Readings.Max(r => r.Hour) : null;
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(file, row);

            Assert.Equal(extractor, RecordedStation.Load(file).Span?.First);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task With_ignore_dates_the_whole_series_is_served()
    {
        await using var honouring = await Start(new SimulatorOptions { SyntheticStations = 1, Days = 10 });
        await using var ignoring = await Start(new SimulatorOptions { SyntheticStations = 1, Days = 10, IgnoreDates = true });
        using var http = new HttpClient();
        const string query = "/v3/getStationHourlyAvg/900000001?start_date=20231205-0000&end_date=20231206-0000";

        var day = AirQinoParser.Parse(await http.GetByteArrayAsync(honouring.BaseUrl + query, Ct), "900000001", "s");
        var all = AirQinoParser.Parse(await http.GetByteArrayAsync(ignoring.BaseUrl + query, Ct), "900000001", "s");

        Assert.InRange(day.RowsReceived, 18, 26);
        Assert.InRange(all.RowsReceived, 170, 241);
        Assert.True(all.Readings.Min(r => r.Hour) < new DateTimeOffset(2023, 12, 3, 0, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public async Task With_ignore_dates_a_recorded_station_gets_its_whole_recording_and_the_description_says_so()
    {
        var directory = Directory.CreateTempSubdirectory("airqino-sim-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "ST1.json"),
                """[{"timestamp":"2023-12-01 00:00:00","CO":1},{"timestamp":"2023-12-01 01:00:00","CO":2}]""", Ct);
            await using var simulator = await Start(new SimulatorOptions
            {
                DataDirectory = directory.FullName, SyntheticStations = 1, Days = 10, IgnoreDates = true,
            });
            using var http = new HttpClient();

            var recorded = AirQinoParser.Parse(await http.GetByteArrayAsync(
                simulator.BaseUrl + "/v3/getStationHourlyAvg/ST1?start_date=20260101-0000&end_date=20260102-0000", Ct), "ST1", "s");
            using var description = JsonDocument.Parse(await http.GetStringAsync(simulator.BaseUrl + "/", Ct));

            Assert.Equal([1.0, 2.0], recorded.Readings.Select(r => r.Values["co"]!.Value));
            var serves = description.RootElement.GetProperty("serves").EnumerateArray().Select(e => e.GetString()!).ToList();
            Assert.Contains(serves, l => l.StartsWith(
                "dates ignored, as the 2023 API did: a recorded station gets its whole recording, a synthetic one the last 10 days up to ",
                StringComparison.Ordinal));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Faults_and_the_request_counter_follow_each_station_and_status()
    {
        await using var simulator = await Start(new SimulatorOptions { StationIds = ["A1", "B2"], Days = 2 });
        using var http = new HttpClient();
        simulator.Faults.FailNext(1);
        simulator.Faults.ThrottleNext(1);

        var statuses = new List<HttpStatusCode>();
        foreach (var station in new[] { "A1", "A1", "A1", "B2", "C3" })
        {
            using var response = await http.GetAsync($"{simulator.BaseUrl}/v3/getStationHourlyAvg/{station}", Ct);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
                Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        }

        Assert.Equal([HttpStatusCode.ServiceUnavailable, HttpStatusCode.TooManyRequests, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.NotFound], statuses);
        Assert.Equal(1, simulator.Stats.Count("A1", 503));
        Assert.Equal(1, simulator.Stats.Count("A1", 429));
        Assert.Equal(1, simulator.Stats.Count("A1", 200));
        Assert.Equal(1, simulator.Stats.Count("C3", 404));
        using var stats = JsonDocument.Parse(await http.GetStringAsync($"{simulator.BaseUrl}/_sim/stats", Ct));
        Assert.Equal(5, stats.RootElement.GetProperty("total").GetInt32());
        Assert.Equal(1, stats.RootElement.GetProperty("stations").GetProperty("A1").GetProperty("429").GetInt32());
    }

    [Fact]
    public async Task A_truncated_response_is_half_a_json_document()
    {
        await using var simulator = await Start(new SimulatorOptions { SyntheticStations = 1, Days = 2 });
        using var http = new HttpClient();
        simulator.Faults.TruncateNext(1);

        var truncated = await http.GetByteArrayAsync($"{simulator.BaseUrl}/v3/getStationHourlyAvg/900000001", Ct);
        var whole = await http.GetByteArrayAsync($"{simulator.BaseUrl}/v3/getStationHourlyAvg/900000001", Ct);

        Assert.Equal(whole.Length / 2, truncated.Length);
        Assert.Equal(whole.AsSpan(0, truncated.Length).ToArray(), truncated);
    }

    [Fact]
    public async Task Fault_rates_are_repeatable_for_a_seed()
    {
        async Task<List<HttpStatusCode>> Run()
        {
            await using var simulator = await Start(new SimulatorOptions
            {
                SyntheticStations = 1, Days = 1, Seed = 9, Faults = new SimulatorFaults { FailRate = 0.3, ThrottleRate = 0.2 },
            });
            simulator.Faults.RetryAfterSeconds = 0;
            using var http = new HttpClient();
            var statuses = new List<HttpStatusCode>();
            for (var i = 0; i < 30; i++)
            {
                using var response = await http.GetAsync($"{simulator.BaseUrl}/v3/getStationHourlyAvg/900000001", Ct);
                statuses.Add(response.StatusCode);
            }
            return statuses;
        }

        var first = await Run();

        Assert.Equal(first, await Run());
        Assert.Contains(HttpStatusCode.ServiceUnavailable, first);
        Assert.Contains(HttpStatusCode.TooManyRequests, first);
        Assert.Contains(HttpStatusCode.OK, first);
    }

    [Fact]
    public async Task A_malformed_date_is_answered_400()
    {
        await using var simulator = await Start(new SimulatorOptions { SyntheticStations = 1, Days = 1 });
        using var http = new HttpClient();

        using var response = await http.GetAsync($"{simulator.BaseUrl}/v3/getStationHourlyAvg/900000001?start_date=2023-12-01", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Serving_any_station_answers_every_valid_id_for_any_range_the_same_way_every_time()
    {
        await using var first = await Start(new SimulatorOptions { AnyStation = true });
        await using var second = await Start(new SimulatorOptions { AnyStation = true });
        using var http = new HttpClient();
        const string november = "start_date=20231101-0000&end_date=20231108-0000";
        const string tenYearsAgo = "start_date=20131101-0000&end_date=20131108-0000";

        var station1 = await http.GetByteArrayAsync($"{first.BaseUrl}/v3/getStationHourlyAvg/283164601?{november}", Ct);
        var again = await http.GetByteArrayAsync($"{second.BaseUrl}/v3/getStationHourlyAvg/283164601?{november}", Ct);
        var station2 = await http.GetByteArrayAsync($"{first.BaseUrl}/v3/getStationHourlyAvg/283181971?{november}", Ct);
        var old = AirQinoParser.Parse(await http.GetByteArrayAsync($"{first.BaseUrl}/v3/getStationHourlyAvg/SMART_188?{tenYearsAgo}", Ct), "SMART_188", "s");

        Assert.Equal(station1, again);
        Assert.NotEqual(station1, station2);
        Assert.InRange(AirQinoParser.Parse(station1, "283164601", "s").RowsReceived, 7 * 24 * 0.85, 7 * 24 * 1.05);
        Assert.InRange(old.RowsReceived, 7 * 24 * 0.85, 7 * 24 * 1.05);
        Assert.All(old.Readings, r => Assert.Equal(2013, r.Hour.Year));
    }

    [Fact]
    public async Task A_dated_request_gets_nothing_after_the_hour_in_progress_and_at_most_the_maximum_range()
    {
        await using var simulator = await Start(new SimulatorOptions { AnyStation = true });
        using var http = new HttpClient();

        var future = AirQinoParser.Parse(await http.GetByteArrayAsync(
            $"{simulator.BaseUrl}/v3/getStationHourlyAvg/S1?start_date=20231209-0000&end_date=20231215-0000", Ct), "S1", "s");
        using var tooLong = await http.GetAsync($"{simulator.BaseUrl}/v3/getStationHourlyAvg/S1?start_date=19900101-0000&end_date=20231201-0000", Ct);

        Assert.Equal(new DateTimeOffset(2023, 12, 10, 0, 0, 0, TimeSpan.Zero), future.Readings.Max(r => r.Hour));
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Contains($"{AirQinoSimulatorHost.MaxRequestDays} days", await tooLong.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc def")]
    [InlineData("..")]
    [InlineData("a%2Fb")]
    [InlineData("%C3%A9")]
    public async Task An_id_that_breaks_the_station_id_rule_is_unknown_even_when_serving_any_station(string id)
    {
        await using var simulator = await Start(new SimulatorOptions { AnyStation = true });
        using var http = new HttpClient();

        using var response = await http.GetAsync($"{simulator.BaseUrl}/v3/getStationHourlyAvg/{id}", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("283164601")]
    [InlineData("SMART_188-b")]
    [InlineData("")]
    [InlineData("abc def")]
    [InlineData("a/b")]
    [InlineData("é")]
    [InlineData("1234567890123456789012345678901234567890123456789012345678901234")]
    [InlineData("12345678901234567890123456789012345678901234567890123456789012345")]
    public void The_simulator_serves_exactly_the_ids_the_extractor_accepts(string id)
    {
        Assert.Equal(StationId.Rule, StationIdRule.Rule);
        Assert.Equal(StationId.IsValid(id), StationIdRule.IsValid(id));
    }

    [Fact]
    public async Task With_recordings_a_recorded_station_gets_its_recording_and_synthetic_hours_around_it()
    {
        var directory = Directory.CreateTempSubdirectory("airqino-sim-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "ST1.json"),
                """[{"timestamp":"2023-12-01 00:00:00","CO":1},{"timestamp":"2023-12-01 01:00:00","CO":2}]""", Ct);
            await using var simulator = await Start(new SimulatorOptions { DataDirectory = directory.FullName, AnyStation = true });
            using var http = new HttpClient();
            async Task<(string Source, List<RawReading> Rows)> Get(string station, string from, string to)
            {
                var body = await http.GetByteArrayAsync($"{simulator.BaseUrl}/v3/getStationHourlyAvg/{station}?start_date={from}&end_date={to}", Ct);
                using var document = JsonDocument.Parse(body);
                return (document.RootElement.GetProperty("header").GetProperty("source").GetString()!,
                    AirQinoParser.Parse(body, station, "s").Readings.ToList());
            }

            var inside = await Get("ST1", "20231201-0000", "20231201-0200");
            var around = await Get("ST1", "20231130-0000", "20231203-0000");
            var outside = await Get("ST1", "20231101-0000", "20231103-0000");
            var other = await Get("ST2", "20231130-0000", "20231203-0000");
            using var description = JsonDocument.Parse(await http.GetStringAsync(simulator.BaseUrl + "/", Ct));

            Assert.Equal("recorded", inside.Source);
            Assert.Equal([1.0, 2.0], inside.Rows.Select(r => r.Values["co"]!.Value));
            Assert.Equal("recorded+synthetic", around.Source);
            Assert.Equal([1.0, 2.0], around.Rows.Where(r => r.Hour.Day == 1 && r.Hour.Hour < 2).Select(r => r.Values["co"]!.Value));
            Assert.Contains(around.Rows, r => r.Hour.Day == 30);
            Assert.Contains(around.Rows, r => r.Hour.Day == 2);
            Assert.Equal(around.Rows.Select(r => r.Hour).Order(), around.Rows.Select(r => r.Hour));
            Assert.Equal("synthetic", outside.Source);
            Assert.InRange(outside.Rows.Count, 40, 52);
            Assert.Equal("synthetic", other.Source);
            var serves = description.RootElement.GetProperty("serves").EnumerateArray().Select(e => e.GetString()!).ToList();
            Assert.Contains("recorded: ST1.json, 2 rows from 2023-12-01 00:00Z to 2023-12-01 01:00Z", serves);
            Assert.Contains(serves, l => l.StartsWith("synthetic (seed 1): any station id of", StringComparison.Ordinal));
            Assert.Equal("Healthy", await http.GetStringAsync(simulator.BaseUrl + "/health/ready", Ct));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_command_line_reads_every_switch()
    {
        var options = Parse([
            "--urls", "http://127.0.0.1:5999", "--synthetic-stations", "3", "--days", "20", "--seed", "4", "--station", "X1",
            "--now", "2023-12-10T00:00Z", "--ignore-dates", "--fail-rate", "0.1", "--throttle-rate", "0.2", "--truncate-rate", "0.05",
            "--delay-ms", "15", "--require-token", "--token-lifetime", "60", "--client-id", "c", "--client-secret", "",
            "--username", "u", "--password", "p",
        ]);

        Assert.Equal("http://127.0.0.1:5999", options.Urls);
        Assert.Equal(["900000001", "900000002", "900000003", "X1"], options.SyntheticStationIds());
        Assert.Equal((20, 4, true), (options.Days, options.Seed, options.IgnoreDates));
        Assert.Equal(new DateTimeOffset(2023, 12, 10, 0, 0, 0, TimeSpan.Zero), options.Now);
        Assert.Equal((0.1, 0.2, 0.05, TimeSpan.FromMilliseconds(15)),
            (options.Faults.FailRate, options.Faults.ThrottleRate, options.Faults.TruncateRate, options.Faults.Delay));
        Assert.Equal((true, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(6)),
            (options.Tokens.RequireToken, options.Tokens.AccessTokenLifetime, options.Tokens.RefreshTokenLifetime));
        Assert.Equal(("c", "", "u", "p"), (options.Tokens.ClientId, options.Tokens.ClientSecret, options.Tokens.Username, options.Tokens.Password));
        Assert.True(options.LogToConsole);
    }

    [Fact]
    public void Without_a_switch_the_command_line_keeps_the_simulators_defaults()
    {
        var options = Parse([]);
        var defaults = new SimulatorOptions();

        Assert.Equal(SimulatorCommandLine.DefaultUrls, options.Urls);
        Assert.Equal((defaults.Days, defaults.Seed, defaults.Now, defaults.IgnoreDates), (options.Days, options.Seed, options.Now, options.IgnoreDates));
        Assert.Equal((0.0, 0.0, 0.0, TimeSpan.Zero), (options.Faults.FailRate, options.Faults.ThrottleRate, options.Faults.TruncateRate, options.Faults.Delay));
        Assert.Equal((false, defaults.Tokens.AccessTokenLifetime, defaults.Tokens.RefreshTokenLifetime, defaults.Tokens.ClientSecret),
            (options.Tokens.RequireToken, options.Tokens.AccessTokenLifetime, options.Tokens.RefreshTokenLifetime, options.Tokens.ClientSecret));
    }

    [Fact]
    public void The_last_listen_address_counts_and_a_value_may_start_with_an_at_sign()
    {
        // The image's entry point gives --urls; a `docker run IMAGE --urls ...` adds another.
        var options = Parse(["--urls", "http://0.0.0.0:8080", "--urls", "http://0.0.0.0:9000", "--password", "@secret"]);

        Assert.Equal("http://0.0.0.0:9000", options.Urls);
        Assert.Equal("@secret", options.Tokens.Password);
    }

    [Fact]
    public void The_command_line_serves_any_station_unless_stations_are_listed()
    {
        Assert.True(Parse([]).AnyStation);
        Assert.True(Parse(["--data", "/samples"]).AnyStation);
        Assert.False(Parse(["--station", "X1"]).AnyStation);
        Assert.Equal(["X1", "X2"], Parse(["--station", "X1", "--station", "X2"]).StationIds);
        Assert.False(Parse(["--synthetic-stations", "2"]).AnyStation);
    }

    [Fact]
    public void Without_a_data_source_the_command_line_serves_the_default_stations()
    {
        Assert.Equal(["283164601", "283181971"], Parse([]).SyntheticStationIds());
    }

    [Theory]
    [InlineData("--fail-rate", "2", "--fail-rate must be a number from 0 to 1, not '2'.")]
    [InlineData("--days", "0", "--days must be a whole number of at least 1, not '0'.")]
    [InlineData("--delay-ms", "abc", "--delay-ms must be a whole number of at least 0, not 'abc'.")]
    [InlineData("--now", "yesterday", "--now must be an instant such as 2023-12-10T00:00Z, not 'yesterday'.")]
    public void A_bad_value_is_refused_naming_the_switch_and_what_it_takes(string name, string value, string expected)
    {
        var result = SimulatorCommandLine.Create((_, _) => throw new InvalidOperationException("served despite a bad value")).Parse([name, value]);

        Assert.Equal(expected, Assert.Single(result.Errors).Message);
    }

    [Fact]
    public void An_unknown_switch_is_refused_and_help_serves_nothing()
    {
        var serve = (SimulatorOptions _, CancellationToken _) => Task.FromException<int>(new InvalidOperationException("served"));

        Assert.NotEmpty(SimulatorCommandLine.Create(serve).Parse(["--bogus"]).Errors);
        var help = new StringWriter();
        var exit = SimulatorCommandLine.Create(serve).Parse(["--help"]).Invoke(new System.CommandLine.InvocationConfiguration { Output = help });
        Assert.Equal(0, exit);
        Assert.Contains("--truncate-rate", help.ToString());
        Assert.Contains("[default: 365]", help.ToString());
    }

    [Fact]
    public async Task A_port_in_use_or_a_malformed_address_stops_it_in_one_line_with_exit_2()
    {
        await using var first = await Start(new SimulatorOptions());

        var (inUse, inUseError, _) = await ServeAsync(new SimulatorOptions { Urls = first.BaseUrl });
        var (malformed, malformedError, _) = await ServeAsync(new SimulatorOptions { Urls = "foo" });
        var (outOfRange, outOfRangeError, _) = await ServeAsync(new SimulatorOptions { Urls = "http://127.0.0.1:70000" });

        Assert.Equal(2, inUse);
        Assert.Equal($"error: {first.BaseUrl} is in use by another program: pick another port (--urls http://127.0.0.1:PORT)", inUseError);
        Assert.Equal(2, malformed);
        Assert.StartsWith("error: --urls foo is not an address to listen on (", malformedError);
        Assert.Equal(2, outOfRange);
        Assert.StartsWith("error: --urls http://127.0.0.1:70000 is not an address to listen on (", outOfRangeError);
    }

    [Fact]
    public async Task Recordings_it_cannot_serve_stop_it_before_it_says_it_listens_and_an_empty_folder_is_said()
    {
        var directory = Directory.CreateTempSubdirectory("airqino-sim-");
        try
        {
            var file = Path.Combine(directory.FullName, "ST1.json");
            var missing = Path.Combine(directory.FullName, "missing");
            var empty = Directory.CreateDirectory(Path.Combine(directory.FullName, "empty")).FullName;
            await File.WriteAllTextAsync(file, """[{"timestamp":""", Ct);
            var dangling = Directory.CreateDirectory(Path.Combine(directory.FullName, "dangling")).FullName;
            File.CreateSymbolicLink(Path.Combine(dangling, "ST2.json"), Path.Combine(directory.FullName, "gone.json"));

            var (broken, brokenError, brokenOutput) = await ServeAsync(new SimulatorOptions { DataDirectory = directory.FullName });
            var (asFile, fileError, _) = await ServeAsync(new SimulatorOptions { DataDirectory = file });
            var (_, missingError, _) = await ServeAsync(new SimulatorOptions { DataDirectory = missing });
            var (unreadable, unreadableError, _) = await ServeAsync(new SimulatorOptions { DataDirectory = dangling });
            await using var none = await Start(new SimulatorOptions { DataDirectory = empty });

            Assert.Equal(2, broken);
            Assert.Equal("", brokenOutput);
            Assert.StartsWith($"error: --data: {file} is not valid JSON: ", brokenError);
            Assert.Equal(2, asFile);
            Assert.Equal($"error: --data {file} is a file: name the folder of recorded AirQino responses that holds it ({directory.FullName}).", fileError);
            Assert.Equal($"error: The recorded AirQino responses folder {missing} does not exist.", missingError);
            Assert.Equal(2, unreadable);
            Assert.StartsWith($"error: --data: {Path.Combine(dangling, "ST2.json")} cannot be read: ", unreadableError);
            Assert.Contains($"recorded: none, {empty} holds no *.json file: every station is served synthetic data", none.Describe());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>What serving <paramref name="options"/> exits with and writes to standard error and output, for a start that fails.</summary>
    private static async Task<(int Exit, string Error, string Output)> ServeAsync(SimulatorOptions options)
    {
        var (error, output) = (new StringWriter(), new StringWriter());
        var exit = await SimulatorCommandLine.ServeAsync(options, output, error, Ct);
        return (exit, error.ToString().TrimEnd(), output.ToString());
    }

    /// <summary>The options the command hands to the simulator for <paramref name="args"/>.</summary>
    private static SimulatorOptions Parse(string[] args)
    {
        SimulatorOptions? served = null;
        var result = SimulatorCommandLine.Create((options, _) => { served = options; return Task.FromResult(0); }).Parse(args, SimulatorCommandLine.Parsing);
        Assert.Empty(result.Errors);
        Assert.Equal(0, result.Invoke());
        return served!;
    }
}
