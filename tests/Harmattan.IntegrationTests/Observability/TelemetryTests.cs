using System.Globalization;
using System.Text.RegularExpressions;
using Harmattan.AirQinoSimulator;
using Harmattan.IntegrationTests.Support;

namespace Harmattan.IntegrationTests.Observability;

/// <summary>
/// The three services as processes on RabbitMQ, exporting traces to an OTLP receiver: after a small backfill each
/// one's <c>/metrics</c> holds the pipeline's metrics, and the spans of one fetch share one trace across the services.
/// </summary>
public sealed class TelemetryTests : IAsyncLifetime
{
    private readonly string _workDir = Directory.CreateTempSubdirectory("harmattan-telemetry-").FullName;
    private PipelineServices? _services;
    private RabbitMqVirtualHost? _vhost;
    private AirQinoSimulatorHost? _simulator;
    private OtlpTraceReceiver? _receiver;
    private string _station = "";

    public async ValueTask InitializeAsync()
    {
        _vhost = await RabbitMqVirtualHost.CreateAsync();
        _simulator = await AirQinoSimulatorHost.StartAsync(new SimulatorOptions { SyntheticStations = 1 });
        _station = _simulator.SyntheticStationIds[0];
        _receiver = await OtlpTraceReceiver.StartAsync();
        _services = await PipelineServices.StartAsync(Environment(), TimeSpan.FromSeconds(90));
    }

    public async ValueTask DisposeAsync()
    {
        if (_services is not null)
            await _services.DisposeAsync();
        if (_receiver is not null)
            await _receiver.DisposeAsync();
        if (_simulator is not null)
            await _simulator.DisposeAsync();
        if (_vhost is not null)
            await _vhost.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }

    [Fact]
    public async Task After_a_backfill_metrics_hold_each_stage_and_one_fetch_is_one_trace_across_the_three_services()
    {
        await BackfillAsync();

        var extractor = await ScrapeAsync("Extractor");
        Assert.True(Value(extractor, "harmattan_airqino_requests_total", $"station=\"{_station}\"", "status=\"200\"") >= 1, extractor);
        Assert.True(Value(extractor, "harmattan_airqino_request_duration_seconds_count", $"station=\"{_station}\"") >= 1, extractor);
        Assert.True(Value(extractor, "messaging_masstransit_consume_ea_total") >= 1, extractor);

        var transformer = await ScrapeAsync("Transformer");
        // Two synthetic days: 48 hours of several quantities each.
        Assert.True(Value(transformer, "harmattan_readings_total", "outcome=\"accepted\"") >= 48, transformer);

        var loader = await ScrapeAsync("Loader");
        Assert.True(Value(loader, "harmattan_days_stored_total") >= 2, loader);
        Assert.True(Value(loader, "harmattan_store_writes_total", "collection=\"averages\"", "result=\"written\"") >= 2, loader);
        Assert.True(Value(loader, "harmattan_store_writes_total", "collection=\"raw_fetches\"", "result=\"written\"") >= 1, loader);
        Assert.True(Value(loader, "harmattan_store_write_duration_seconds_count", "collection=\"averages\"") >= 1, loader);
        // Series no write of this run increased are there from the start, so that their first rise shows on a rate.
        foreach (var collection in new[] { "averages", "raw_fetches" })
            Assert.True(Value(loader, "harmattan_store_writes_total", $"collection=\"{collection}\"", "result=\"failed\"") >= 0, loader);
        Assert.True(Value(loader, "harmattan_store_writes_total", "collection=\"averages\"", "result=\"refused_unversioned\"") >= 0, loader);
        Assert.True(Value(loader, "harmattan_days_stored_total", "completeness=\"all_rejected\"") >= 0, loader);
        // The newest stored hour ends before now and no later than yesterday's end: an age of up to two days and an hour.
        var age = Value(loader, "harmattan_station_data_age_seconds", $"station=\"{_station}\"");
        Assert.InRange(age, 0, TimeSpan.FromHours(49).TotalSeconds);
        Assert.True(Value(loader, "dotnet_gc_collections_total") >= 0, loader);

        var trace = await OneTraceThroughTheThreeServicesAsync();
        Assert.Contains(trace, s => s.Service == "harmattan-extractor" && s.Name.StartsWith("GET", StringComparison.Ordinal));
        Assert.Contains(trace, s => s.Service == "harmattan-loader" && s.Name == "store averages");
    }

    [Fact]
    public async Task Each_fetch_of_a_batch_the_loader_stores_at_once_has_its_store_spans_in_its_own_trace()
    {
        // Four one-day commands, written by the loader in batches of several fetches (it waits up to 3 s to fill one).
        await BackfillAsync(days: 4, chunkDays: 1);

        string[] stores = ["store averages", "store raw_fetches"];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var fetches = _receiver!.Spans.Where(s => s.Service == "harmattan-extractor" && s.Name.StartsWith("GET", StringComparison.Ordinal))
                .Select(s => s.TraceId).Distinct().ToList();
            var complete = fetches.Count(trace => stores.All(store => _receiver.Spans.Any(s => s.TraceId == trace && s.Service == "harmattan-loader" && s.Name == store)));
            if (fetches.Count == 4 && complete == 4)
                break;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"{complete} of {fetches.Count} fetch traces hold both of the loader's store spans. Spans received:\n" +
                    string.Join('\n', _receiver.Spans.Select(s => $"{s.TraceId} {s.Service} {s.Name}")));
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
        Assert.True(_receiver.Spans.Count(s => s.Name == "store averages") >= 4);
    }

    private async Task BackfillAsync(int days = 2, int chunkDays = 7)
    {
        var yesterday = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1);
        await using var backfill = ServiceProcess.StartCli(
            ["backfill", "--station", _station, "--from", yesterday.AddDays(1 - days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
             "--to", yesterday.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), "--chunk-days", chunkDays.ToString(CultureInfo.InvariantCulture),
             "--db", Path.Combine(_workDir, "harmattan.db")],
            Environment());
        var exit = await backfill.WaitForExitAsync(TimeSpan.FromMinutes(3));
        Assert.True(exit == 0, $"backfill exited {exit}:\n{backfill.Output}");
    }

    /// <summary>Spans are exported in batches: wait until a trace holds spans of all three services.</summary>
    private async Task<IReadOnlyList<ReceivedSpan>> OneTraceThroughTheThreeServicesAsync()
    {
        string[] services = ["harmattan-extractor", "harmattan-transformer", "harmattan-loader"];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var trace = _receiver!.Spans.GroupBy(s => s.TraceId)
                .FirstOrDefault(t => services.All(service => t.Any(s => s.Service == service)));
            if (trace is not null)
                return [.. trace];
            if (DateTime.UtcNow > deadline)
                Assert.Fail("No trace has spans of the three services. Spans received:\n" +
                    string.Join('\n', _receiver.Spans.Select(s => $"{s.TraceId} {s.Service} {s.Name}")));
            await Task.Delay(250);
        }
    }

    private async Task<string> ScrapeAsync(string service)
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(new Uri(_services![service].BaseAddress!, "/metrics"));
    }

    /// <summary>The sum of the samples of a metric whose labels contain each of <paramref name="labels"/>; -1 when none.</summary>
    private static double Value(string exposition, string metric, params string[] labels)
    {
        var samples = exposition.Split('\n')
            .Select(line => Regex.Match(line, @"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)"))
            .Where(m => m.Success && m.Groups["name"].Value == metric && labels.All(m.Groups["labels"].Value.Contains))
            .Select(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture))
            .ToList();
        return samples.Count == 0 ? -1 : samples.Sum();
    }

    private Dictionary<string, string> Environment() => new()
    {
        ["ConnectionStrings__RabbitMq"] = _vhost!.ConnectionString,
        ["Bus__Transport"] = "RabbitMq",
        ["Storage__Provider"] = "Sqlite",
        ["ConnectionStrings__Sqlite"] = $"Data Source={Path.Combine(_workDir, "harmattan.db")}",
        ["AirQino__BaseUrl"] = _simulator!.BaseUrl,
        // The loader reports the data age of its configured stations only.
        ["Stations__0__Id"] = _station,
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = _receiver!.Endpoint,
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        // Export spans within a second instead of the default five.
        ["OTEL_BSP_SCHEDULE_DELAY"] = "500",
        ["Loader__BatchTimeLimit"] = "00:00:03",
    };
}
