using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Harmattan.AirQinoSimulator;
using Harmattan.Extractor;
using Microsoft.Extensions.DependencyInjection;

namespace Harmattan.Tests.Extractor;

public class AirQinoClientTests
{
    private static readonly DateTimeOffset Now = new(2023, 12, 10, 5, 30, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset WindowStart = new(2023, 12, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset WindowEnd = new(2023, 12, 3, 0, 0, 0, TimeSpan.Zero);
    private static readonly string Station = SyntheticAirQino.StationId(0);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<AirQinoSimulatorHost> StartSimulator(bool ignoreDates = false, string? dataDirectory = null) =>
        AirQinoSimulatorHost.StartAsync(new SimulatorOptions
        {
            SyntheticStations = 1, Days = 30, Seed = 11, Now = Now, IgnoreDates = ignoreDates, DataDirectory = dataDirectory,
        }, Ct);

    [Fact]
    public void Requests_name_Harmattan_and_its_release_as_the_user_agent()
    {
        var release = Regex.Match(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "Directory.Build.props")),
            "<Version>(.+)</Version>").Groups[1].Value;
        using var services = ExtractorTestServices.Build(ExtractorTestServices.Settings("http://127.0.0.1:9"));

        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(AirQinoClient));

        Assert.Equal($"Harmattan/{release}", client.DefaultRequestHeaders.UserAgent.ToString());
    }

    private static (ServiceProvider Services, AirQinoClient Client) Client(AirQinoSimulatorHost simulator,
        Action<Dictionary<string, string?>>? configure = null)
    {
        var settings = ExtractorTestServices.Settings(simulator.BaseUrl);
        configure?.Invoke(settings);
        var services = ExtractorTestServices.Build(settings);
        return (services, services.GetRequiredService<AirQinoClient>());
    }

    [Fact]
    public async Task The_request_asks_for_the_window_in_UTC()
    {
        await using var simulator = await StartSimulator();
        var (services, client) = Client(simulator);
        await using var _ = services;

        var fetch = await client.GetHourlyAsync(Station, WindowStart, WindowEnd, Ct);

        Assert.Equal($"{simulator.BaseUrl}/v3/getStationHourlyAvg/{Station}?start_date=20231201-0000&end_date=20231203-0000", fetch.Source);
        Assert.Equal(fetch.RowsReceived, fetch.RowsInWindow);
        Assert.InRange(fetch.RowsInWindow, 40, 50);
        Assert.All(fetch.Readings, r => Assert.InRange(r.Hour, WindowStart, WindowEnd.AddTicks(-1)));
    }

    [Fact]
    public async Task When_the_api_ignores_the_dates_only_the_rows_inside_the_window_are_kept()
    {
        await using var honouring = await StartSimulator();
        await using var ignoring = await StartSimulator(ignoreDates: true);
        var (services1, honouringClient) = Client(honouring);
        var (services2, ignoringClient) = Client(ignoring);
        await using var _ = services1;
        await using var __ = services2;

        var expected = await honouringClient.GetHourlyAsync(Station, WindowStart, WindowEnd, Ct);
        var fetch = await ignoringClient.GetHourlyAsync(Station, WindowStart, WindowEnd, Ct);

        Assert.True(fetch.RowsReceived > 600, $"the whole 30-day series should arrive, got {fetch.RowsReceived} rows");
        Assert.All(fetch.Readings, r => Assert.InRange(r.Hour, WindowStart, WindowEnd.AddTicks(-1)));
        Assert.Equal(expected.Readings.Select(r => (r.Hour, string.Join(",", r.Values))),
            fetch.Readings.Select(r => (r.Hour, string.Join(",", r.Values))));
    }

    [Fact]
    public async Task A_week_of_the_recorded_sample_is_cut_from_the_year_the_api_sent()
    {
        Assert.SkipWhen(AirQinoSamples.Directory is null, AirQinoSamples.MissingReason);
        await using var simulator = await StartSimulator(ignoreDates: true, dataDirectory: AirQinoSamples.Directory);
        var (services, client) = Client(simulator);
        await using var _ = services;

        var fetch = await client.GetHourlyAsync("283164601", WindowStart, WindowStart.AddDays(7), Ct);

        Assert.Equal(8154, fetch.RowsReceived);
        Assert.Equal(0, fetch.RowsUnparseable);
        Assert.InRange(fetch.RowsInWindow, 1, 168);
        Assert.All(fetch.Readings, r => Assert.InRange(r.Hour, WindowStart, WindowStart.AddDays(7).AddTicks(-1)));
    }

    [Fact]
    public async Task Server_errors_are_retried_until_the_api_answers()
    {
        await using var simulator = await StartSimulator();
        var (services, client) = Client(simulator);
        await using var _ = services;
        simulator.Faults.FailNext(3);

        var fetch = await client.GetHourlyAsync(Station, WindowStart, WindowEnd, Ct);

        Assert.NotEmpty(fetch.Readings);
        Assert.Equal(3, simulator.Stats.Count(Station, 503));
        Assert.Equal(1, simulator.Stats.Count(Station, 200));
    }

    [Fact]
    public async Task Throttling_is_retried_after_the_delay_the_api_asks_for()
    {
        await using var simulator = await StartSimulator();
        var (services, client) = Client(simulator);
        await using var _ = services;
        simulator.Faults.ThrottleNext(1);
        simulator.Faults.RetryAfterSeconds = 1;

        var clock = Stopwatch.StartNew();
        var fetch = await client.GetHourlyAsync(Station, WindowStart, WindowEnd, Ct);

        Assert.NotEmpty(fetch.Readings);
        Assert.Equal(1, simulator.Stats.Count(Station, 429));
        Assert.Equal(1, simulator.Stats.Count(Station, 200));
        // The configured retry delay is 10 ms, so a wait of about a second can only come from Retry-After.
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(900), $"retried after {clock.Elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task A_throttling_wait_longer_than_the_total_timeout_is_reported_at_once_as_throttling()
    {
        await using var simulator = await StartSimulator();
        var (services, client) = Client(simulator);
        await using var _ = services;
        simulator.Faults.ThrottleNext(100);
        simulator.Faults.RetryAfterSeconds = 3600;

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<AirQinoResponseException>(() => client.GetHourlyAsync(Station, WindowStart, WindowEnd, Ct));

        // Waiting would only have run into AirQino:TotalTimeout (30 s here) and said AirQino did not answer in time.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"failed after {clock.Elapsed.TotalSeconds} s");
        Assert.Equal(HttpStatusCode.TooManyRequests, error.StatusCode);
        Assert.Contains("asked to wait 3600 s (Retry-After), longer than what is left of AirQino:TotalTimeout (30 s)", error.Message);
        Assert.Equal(1, simulator.Stats.Count(Station, 429));
    }

    [Fact]
    public async Task Random_faults_at_the_simulator_seed_are_ridden_out_by_the_retries()
    {
        await using var simulator = await StartSimulator();
        var (services, client) = Client(simulator, s => s["AirQino:RetryAttempts"] = "8");
        await using var _ = services;
        simulator.Faults.FailRate = 0.3;

        for (var day = 0; day < 5; day++)
            await client.GetHourlyAsync(Station, WindowStart.AddDays(day), WindowStart.AddDays(day + 1), Ct);

        Assert.Equal(5, simulator.Stats.Count(Station, 200));
        Assert.True(simulator.Stats.Count(Station, 503) > 0, "a 30% failure rate should have failed some requests");
    }

    [Fact]
    public async Task When_the_retries_run_out_the_error_names_the_station_the_url_and_the_status()
    {
        await using var simulator = await StartSimulator();
        var (services, client) = Client(simulator, s => s["AirQino:RetryAttempts"] = "2");
        await using var _ = services;
        simulator.Faults.FailNext(100);

        var error = await Assert.ThrowsAsync<AirQinoResponseException>(() => client.GetHourlyAsync(Station, WindowStart, WindowEnd, Ct));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Contains($"station {Station}", error.Message);
        Assert.Contains($"{simulator.BaseUrl}/v3/getStationHourlyAvg/{Station}?start_date=20231201-0000", error.Message);
        Assert.Contains("503", error.Message);
        Assert.Equal(3, simulator.Stats.Count(Station, 503));
        Assert.Equal(AirQinoFailureKind.NoUsableAnswer, error.Kind);
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    public async Task A_refusal_says_the_api_wants_credentials_and_is_not_retried(HttpStatusCode status)
    {
        await using var simulator = await StartSimulator();
        var (services, client) = Client(simulator);
        await using var _ = services;
        simulator.Faults.ServerErrorStatus = status;
        simulator.Faults.FailNext(1);

        var error = await Assert.ThrowsAsync<AirQinoResponseException>(() => client.GetHourlyAsync(Station, WindowStart, WindowEnd, Ct));

        Assert.Equal(status, error.StatusCode);
        Assert.Contains("bearer token", error.Message);
        Assert.Contains(Station, error.Message);
        Assert.Equal(1, simulator.Stats.Requests(Station));
    }

    [Fact]
    public async Task An_unknown_station_is_reported_with_the_key_to_check()
    {
        await using var simulator = await StartSimulator();
        var (services, client) = Client(simulator);
        await using var _ = services;

        var error = await Assert.ThrowsAsync<AirQinoResponseException>(() => client.GetHourlyAsync("SMART999", WindowStart, WindowEnd, Ct));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Contains("Stations:N:Id", error.Message);
    }

    [Fact]
    public async Task A_truncated_body_fails_naming_the_station_and_the_url()
    {
        await using var simulator = await StartSimulator();
        var (services, client) = Client(simulator);
        await using var _ = services;
        simulator.Faults.TruncateNext(1);

        var error = await Assert.ThrowsAsync<AirQinoResponseException>(() => client.GetHourlyAsync(Station, WindowStart, WindowEnd, Ct));

        Assert.Contains("is truncated JSON", error.Message);
        Assert.Contains($"station {Station}", error.Message);
        Assert.Contains(error.RequestUrl, error.Message);
    }

    [Fact]
    public async Task A_body_above_the_limit_is_refused_naming_the_key_to_raise()
    {
        await using var simulator = await StartSimulator(ignoreDates: true);
        var (services, client) = Client(simulator, s => s["AirQino:MaxResponseBytes"] = "4096");
        await using var _ = services;

        var error = await Assert.ThrowsAsync<AirQinoResponseException>(() => client.GetHourlyAsync(Station, WindowStart, WindowEnd, Ct));

        Assert.Contains("AirQino:MaxResponseBytes (environment variable AirQino__MaxResponseBytes)", error.Message);
        Assert.Contains($"station {Station}", error.Message);
        Assert.Contains(error.RequestUrl, error.Message);
        Assert.Equal(AirQinoFailureKind.NoUsableAnswer, error.Kind);
    }

    [Fact]
    public async Task An_unreachable_api_is_reported_with_the_base_url_key()
    {
        var services = ExtractorTestServices.Build(new Dictionary<string, string?>
        {
            ["AirQino:BaseUrl"] = "http://127.0.0.1:1",
            ["AirQino:RetryAttempts"] = "0",
        });
        await using var _ = services;
        var client = services.GetRequiredService<AirQinoClient>();

        var error = await Assert.ThrowsAsync<AirQinoResponseException>(() => client.GetHourlyAsync(Station, WindowStart, WindowEnd, Ct));

        Assert.Contains("AirQino:BaseUrl", error.Message);
        Assert.Contains("http://127.0.0.1:1/v3/getStationHourlyAvg/", error.Message);
        Assert.Equal(AirQinoFailureKind.NotReached, error.Kind);
    }

    [Fact]
    public async Task An_api_that_does_not_answer_in_time_counts_as_not_reached()
    {
        await using var simulator = await StartSimulator();
        var (services, client) = Client(simulator, s =>
        {
            s["AirQino:Timeout"] = "00:00:00.2";
            s["AirQino:RetryAttempts"] = "0";
        });
        await using var _ = services;
        simulator.Faults.Delay = TimeSpan.FromSeconds(5);

        var error = await Assert.ThrowsAsync<AirQinoResponseException>(() => client.GetHourlyAsync(Station, WindowStart, WindowEnd, Ct));

        Assert.Contains("did not answer in time", error.Message);
        Assert.Equal(AirQinoFailureKind.NotReached, error.Kind);
    }

    [Theory]
    [InlineData("../283164601")]
    [InlineData("283164601/../../admin")]
    [InlineData("283164601?start_date=1")]
    [InlineData("28316 4601")]
    [InlineData("%2e%2e")]
    [InlineData("")]
    [InlineData("a-station-id-that-is-far-too-long-to-be-a-real-airqino-station-id-at-all")]
    public async Task A_station_id_with_url_characters_is_refused_before_any_request(string stationId)
    {
        await using var simulator = await StartSimulator();
        var (services, client) = Client(simulator);
        await using var _ = services;

        var error = await Assert.ThrowsAsync<ArgumentException>(() => client.GetHourlyAsync(stationId, WindowStart, WindowEnd, Ct));

        Assert.Contains("not a valid station id", error.Message);
        Assert.Equal(0, simulator.Stats.Requests(stationId));
    }

    [Fact]
    public async Task A_redirect_that_was_not_followed_names_its_target_and_the_setting_to_change()
    {
        // From https to http, which .NET does not follow, reaches the client as the 3xx itself.
        var settings = ExtractorTestServices.Settings("https://airqino.test");
        settings["AirQino:RetryAttempts"] = "0";
        await using var services = ExtractorTestServices.Build(settings, s => s.AddHttpClient<AirQinoClient>()
            .ConfigurePrimaryHttpMessageHandler(() => new MovedTo("http://airqino-api.example/v3/getStationHourlyAvg/283164601")));
        var client = services.GetRequiredService<AirQinoClient>();

        var error = await Assert.ThrowsAsync<AirQinoResponseException>(() => client.GetHourlyAsync(Station, WindowStart, WindowEnd, Ct));

        Assert.Contains("redirected the request", error.Message);
        Assert.Contains("to http://airqino-api.example/v3/getStationHourlyAvg/283164601, which was not followed", error.Message);
        Assert.Contains("AirQino:BaseUrl", error.Message);
    }

    private sealed class MovedTo(string location) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.MovedPermanently) { RequestMessage = request, Headers = { Location = new Uri(location) } });
    }
}
