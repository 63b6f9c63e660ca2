using System.Globalization;
using System.Text.RegularExpressions;
using Harmattan.Extractor;
using Harmattan.Stations;
using Harmattan.Tests.Deploy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Harmattan.Tests.Extractor;

public class OptionsTests
{
    private static StationsOptions Stations(Dictionary<string, string?> settings) =>
        ExtractorTestServices.Build(settings).GetRequiredService<IOptions<StationsOptions>>().Value;

    [Fact]
    public void Without_configured_stations_the_two_Abidjan_stations_are_polled()
    {
        var stations = Stations([]).Stations;
        Assert.Equal([("283164601", "UTC"), ("283181971", "UTC")], stations.Select(s => (s.Id, s.TimeZone)));
    }

    [Fact]
    public void Configured_stations_replace_the_defaults_instead_of_adding_to_them()
    {
        var stations = Stations(new()
        {
            ["Stations:0:Id"] = "900000001",
            ["Stations:0:TimeZone"] = "Africa/Abidjan",
            ["Stations:1:Id"] = "SMART188",
        }).Stations;

        Assert.Equal([("900000001", "Africa/Abidjan"), ("SMART188", "UTC")], stations.Select(s => (s.Id, s.TimeZone)));
    }

    [Fact]
    public void A_zone_spelt_in_other_letter_case_is_refused_even_after_the_process_loaded_the_zone_it_names()
    {
        // 'europe/paris' resolved from .NET's case-insensitive cache once Europe/Paris was loaded, and never from the files.
        Assert.True(StationsOptions.TryFindTimeZone("Europe/Paris", out _));

        Assert.False(StationsOptions.TryFindTimeZone("europe/paris", out _));
        Assert.True(StationsOptions.TryFindTimeZone("utc", out var utc));
        Assert.Equal(TimeZoneInfo.Utc.Id, utc.Id);
    }

    [Theory]
    [InlineData("Stations:1:Id", "bad/id", "Stations:1:Id 'bad/id' is not a valid station id")]
    [InlineData("Stations:1:TimeZone", "Africa/Atlantis", "Stations:1:TimeZone 'Africa/Atlantis' is not a known time zone")]
    [InlineData("Stations:1:TimeZone", "europe/paris", "Stations:1:TimeZone 'europe/paris' is not a known time zone: use the IANA id 'Europe/Paris'.")]
    [InlineData("Stations:1:TimeZone", "Abidjan", "Stations:1:TimeZone 'Abidjan' is not a known time zone: use the IANA id 'Africa/Abidjan'.")]
    [InlineData("Stations:1:TimeZone", "new york", "Stations:1:TimeZone 'new york' is not a known time zone: use the IANA id 'America/New_York'.")]
    [InlineData("Stations:1:TimeZone", "W. Central Africa Standard Time",
        "Stations:1:TimeZone 'W. Central Africa Standard Time' is a Windows time zone id, which the services do not resolve: use its IANA id 'Africa/Lagos'")]
    [InlineData("Stations:1:TimeZone", "Abidjan Standard Time",
        "Stations:1:TimeZone 'Abidjan Standard Time' looks like a Windows time zone id, which the services do not resolve: use its IANA id (e.g. Europe/Berlin")]
    [InlineData("Stations:1:Id", "283164601", "Stations:1:Id '283164601' is listed twice")]
    [InlineData("Stations:1:Id", "", "Stations:1:Id is missing: every configured station needs its Id (configuring any Stations:N key replaces the default stations 283164601 and 283181971)")]
    public void A_bad_station_entry_is_reported_by_its_key(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?> { ["Stations:0:Id"] = "283164601", ["Stations:1:Id"] = "283181971", [key] = value };

        var error = Assert.Throws<OptionsValidationException>(() => Stations(settings));

        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData("Stations:3", "Id", "bad/id", "Stations:3:Id 'bad/id' is not a valid station id")]
    [InlineData("Stations:3", "Id", "283164601", "Stations:3:Id '283164601' is listed twice")]
    [InlineData("Stations:3", "TimeZone", "Abidjan", "Stations:3:TimeZone 'Abidjan' is not a known time zone")]
    [InlineData("Stations:10", "Id", "", "Stations:10:Id is missing")]
    public void A_bad_station_entry_after_a_gap_in_the_indexes_is_reported_by_the_key_written(string station, string setting, string value, string message)
    {
        // Stations:0 and Stations:3 bind as the list's first and second station; the error names the key the user wrote.
        var settings = new Dictionary<string, string?>
        {
            ["Stations:0:Id"] = "283164601", [$"{station}:Id"] = "283181971", [$"{station}:Name"] = "after a gap", [$"{station}:{setting}"] = value,
        };

        var error = Assert.Throws<OptionsValidationException>(() => Stations(settings));

        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData("Station:0:Id", "Station:0 is not a setting (environment variable Station__0): did you mean Stations:0?")]
    [InlineData("Statons:0:Id", "Statons:0 is not a setting (environment variable Statons__0): did you mean Stations:0?")]
    public void Stations_under_a_misspelt_section_are_refused_instead_of_the_defaults_being_polled(string key, string message)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Stations(new() { [key] = "SMART188" }));

        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData("ftp://airqino.example", "AirQino:BaseUrl must be an absolute http(s) URL")]
    [InlineData("/v3", "AirQino:BaseUrl must be an absolute http(s) URL")]
    [InlineData("https://user:secret@airqino.example", "without user info")]
    [InlineData("http://127.0.0.1:5080/v3/", "the client adds /v3/getStationHourlyAvg/ID itself, so leave out the /v3 (http://127.0.0.1:5080).")]
    [InlineData("https://proxy.example/airqino/V3", "leave out the /v3 (https://proxy.example/airqino).")]
    [InlineData("https://proxy.example/v3/v3", "leave out the /v3 (https://proxy.example).")]
    public void A_bad_base_url_is_reported_by_its_key(string baseUrl, string message)
    {
        var services = ExtractorTestServices.Build(new() { ["AirQino:BaseUrl"] = baseUrl });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<AirQinoOptions>>().Value);

        Assert.Contains(message, error.Message);
        Assert.DoesNotContain("secret", error.Message);
    }

    [Fact]
    public void The_defaults_point_at_the_real_api()
    {
        var options = ExtractorTestServices.Build([]).GetRequiredService<IOptions<AirQinoOptions>>().Value;

        Assert.Equal("https://airqino-api.magentalab.it", options.BaseUrl);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Timeout);
        Assert.Equal(TimeSpan.FromMinutes(3), options.TotalTimeout);
        Assert.Equal(4, options.RetryAttempts);
        Assert.Equal(8L * 1024 * 1024, options.MaxResponseBytes);
    }

    [Fact]
    public void The_bodies_the_extractor_reads_at_once_fit_in_half_its_heap_limit()
    {
        // A body grows into a buffer twice the size before the first is returned: two at the limit per fetch. With a
        // limit of 64 MiB, two answers of 63 MB at once ran the extractor out of memory.
        var heapLimit = long.Parse(Regex.Match(File.ReadAllText(Repository.PathOf("Directory.Build.props")),
            "System.GC.HeapHardLimit\" Value=\"(?<bytes>[0-9]+)\"").Groups["bytes"].Value, CultureInfo.InvariantCulture);
        var atOnce = FetchStationWindowConsumerDefinition.ConcurrentFetches * 2 * AirQinoOptions.DefaultMaxResponseBytes;

        Assert.True(atOnce <= heapLimit / 2, $"{atOnce:N0} bytes of bodies at once, heap limit {heapLimit:N0}");
    }

    [Fact]
    public void An_attempt_timeout_longer_than_the_total_is_reported_by_its_keys()
    {
        var services = ExtractorTestServices.Build(new() { ["AirQino:Timeout"] = "00:05:00", ["AirQino:TotalTimeout"] = "00:01:00" });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<AirQinoOptions>>().Value);

        Assert.Contains("AirQino:Timeout (one attempt) must not be longer than AirQino:TotalTimeout", error.Message);
    }

    [Theory]
    [InlineData("00:00:30", "00:00:30", "0", "00:00:00")]
    [InlineData("00:00:00.010", "00:00:00.020", "20", "00:05:00")]
    [InlineData("00:10:00", "01:00:00", "4", "00:00:02")]
    public void Every_accepted_setting_builds_a_valid_resilience_pipeline(string timeout, string total, string retries, string delay)
    {
        var services = ExtractorTestServices.Build(new()
        {
            ["AirQino:Timeout"] = timeout, ["AirQino:TotalTimeout"] = total, ["AirQino:RetryAttempts"] = retries, ["AirQino:RetryDelay"] = delay,
        });

        Assert.NotNull(services.GetRequiredService<AirQinoClient>());
    }

    [Theory]
    [InlineData("283164601", true)]
    [InlineData("SMART_188-b", true)]
    [InlineData("a/b", false)]
    [InlineData("a.b", false)]
    [InlineData("é", false)]
    [InlineData("", false)]
    [InlineData("-5", false)]
    [InlineData("_x", false)]
    [InlineData("999999999999999999", true)]
    [InlineData("99999999999999999999999", false)]
    // A configuration value with the line break a YAML block scalar leaves at its end.
    [InlineData("283164601\n", false)]
    [InlineData("9999999999999999999\n", false)]
    public void Station_ids_use_a_url_safe_alphabet(string id, bool valid) => Assert.Equal(valid, StationId.IsValid(id));
}
