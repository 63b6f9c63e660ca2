using System.Text.Json;
using Harmattan.Extractor;

namespace Harmattan.Tests.Benchmarks;

public sealed class EndToEndBenchmarkTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("harmattan-bench-test-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void The_json_report_has_exactly_the_keys_the_issue_names()
    {
        var report = SampleReport();

        using var json = JsonDocument.Parse(report.ToJson());
        var root = json.RootElement;

        Assert.Equal(
            ["core_readings_per_s", "cpu_s_per_million_readings", "e2e_readings_per_s", "hourly_latency_ms", "inmemory_readings_per_s",
                "loader_cpu_us_per_hourly_row", "max_message_bytes", "parse_only_readings_per_s", "peak_rss_mb", "readings"],
            root.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(876_000, root.GetProperty("readings").GetInt64());
        Assert.Equal(["extractor", "loader", "transformer"], root.GetProperty("peak_rss_mb").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["p50", "p99"], root.GetProperty("hourly_latency_ms").EnumerateObject().Select(p => p.Name));
        Assert.Equal(20, root.GetProperty("hourly_latency_ms").GetProperty("p50").GetDouble());
        Assert.Equal(30, root.GetProperty("hourly_latency_ms").GetProperty("p99").GetDouble());
    }

    [Fact]
    public void The_cpu_bound_is_the_rate_at_which_the_measured_processes_would_fill_every_core()
    {
        var report = SampleReport() with { ParseOnlyReadingsPerSecond = 2_000_000 };

        // 72 CPU seconds per million readings: two cores process a million in 36 s.
        Assert.Equal(1e6 / 36, report.CpuBoundReadingsPerSecond(cores: 2), precision: 6);
        Assert.Equal(4 * 1e6 / 72, report.CpuBoundReadingsPerSecond(cores: 4), precision: 6);
        // 4 % of 2,000,000 is 80,000 readings/s, which two cores reach at 25 s per million.
        Assert.Equal(25, report.CpuSecondsPerMillionForTarget(cores: 2), precision: 9);
        Assert.Contains("cpu_bound_readings_per_s", report.ToTable(new E2eOptions(10, 365, null, null)));
    }

    [Fact]
    public void The_loaders_steady_cost_is_in_the_table_and_not_among_the_json_keys()
    {
        var report = SampleReport() with { LoaderSecondHalfCpuMicrosecondsPerHourlyRow = 28.4 };

        Assert.Contains("35.0 µs  (target <= 10); 28.4 µs over the backfill's second half", report.ToTable(new E2eOptions(10, 365, null, null)));
        Assert.DoesNotContain("28.4", report.ToJson());
        Assert.DoesNotContain("over the backfill's second half", SampleReport().ToTable(new E2eOptions(10, 365, null, null)));
    }

    [Fact]
    public void The_in_memory_runs_cpu_and_memory_are_in_the_table_and_not_among_the_json_keys()
    {
        var report = SampleReport() with { InMemoryCpuSecondsPerMillionReadings = 41.25, InMemoryPeakRssMb = 321.5 };

        Assert.Contains("15,000 readings/s  (one process: 41.25 s of CPU per million readings, peak RSS 321.5 MB)",
            report.ToTable(new E2eOptions(10, 365, null, null)));
        Assert.DoesNotContain("41.25", report.ToJson());
        Assert.DoesNotContain("321.5", report.ToJson());
        Assert.DoesNotContain("one process:", SampleReport().ToTable(new E2eOptions(10, 365, null, null)));
    }

    [Fact]
    public void The_benchmarks_own_cpu_is_in_the_table_outside_the_pipelines_sum_and_not_among_the_json_keys()
    {
        var report = SampleReport() with { HarnessCpuSecondsPerMillionReadings = 6.55 };

        var table = report.ToTable(new E2eOptions(10, 365, null, null));
        Assert.Contains("harness_cpu_s_per_million_readings", table);
        Assert.Contains("6.55 s  (this process", table);
        Assert.Contains("(the CPU above, 72.0 s,", table);
        Assert.Equal(2e6 / 72, report.CpuBoundReadingsPerSecond(cores: 2), precision: 6);
        Assert.DoesNotContain("6.55", report.ToJson());
        Assert.DoesNotContain("harness_cpu", SampleReport().ToTable(new E2eOptions(10, 365, null, null)));
    }

    /// <summary>A report whose processes spent 72 CPU seconds per million readings together.</summary>
    private static E2eReport SampleReport() => new()
    {
        Readings = 876_000,
        E2eReadingsPerSecond = 10_000,
        InMemoryReadingsPerSecond = 15_000,
        CoreReadingsPerSecond = 300_000,
        ParseOnlyReadingsPerSecond = 500_000,
        PeakRssMb = new Dictionary<string, double> { ["extractor"] = 120.5, ["transformer"] = 110, ["loader"] = 150 },
        CpuSecondsPerMillionReadings = new Dictionary<string, double> { ["extractor"] = 10, ["transformer"] = 12, ["loader"] = 30, ["rabbitmq"] = 20 },
        LoaderCpuMicrosecondsPerHourlyRow = 35,
        MaxMessageBytes = 130_000,
        HourlyLatencyMs = Percentiles.Of([10.0, 20, 30]),
    };

    [Fact]
    public void Kept_data_is_one_AirQino_v3_file_per_station_that_the_parser_reads()
    {
        var dataset = new SyntheticDataset(stations: 3, days: 4);

        var paths = dataset.WriteFiles(_directory);

        Assert.Equal(dataset.StationIds.Select(id => Path.Combine(_directory, id + ".json")), paths);
        var first = new DateTimeOffset(dataset.FirstDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        foreach (var (id, path) in dataset.StationIds.Zip(paths))
        {
            using (var json = JsonDocument.Parse(File.ReadAllBytes(path)))
            {
                Assert.Equal(id, json.RootElement.GetProperty("header").GetProperty("station_id").GetString());
                Assert.Equal(JsonValueKind.Array, json.RootElement.GetProperty("data").ValueKind);
            }
            using var stream = File.OpenRead(path);
            var parsed = AirQinoParser.Parse(stream, id, path);
            Assert.Equal(0, parsed.RowsUnparseable);
            Assert.InRange(parsed.Readings.Count, 1, 4 * 24 + 4);
            Assert.All(parsed.Readings, r => Assert.InRange(r.Hour, first, first.AddDays(4).AddTicks(-1)));
        }
    }

    [Fact]
    public void A_station_has_the_same_bytes_whatever_the_size_of_the_run()
    {
        Assert.Equal(new SyntheticDataset(2, 3).StationResponse("900000002"), new SyntheticDataset(5, 3).StationResponse("900000002"));
    }

    [Fact]
    public void The_answers_to_a_backfills_commands_hold_every_row_of_the_series_once_and_in_order()
    {
        var dataset = new SyntheticDataset(1, 30);
        var station = dataset.Backfill[0];

        var answers = CorePipeline.Answers(dataset, station);

        Assert.Equal(CorePipeline.Commands(station, "backfill"), answers.Select(a => a.Command));
        Assert.Equal(Rows(dataset.StationResponse(station.StationId)), answers.SelectMany(a => Rows(a.Body)));
        Assert.Equal(AirQinoParser.Parse(dataset.StationResponse(station.StationId), station.StationId, "test").Readings.Count,
            CorePipeline.Extract(answers, SyntheticDataset.SeriesEnd).Sum(f => f.Readings.Count));
    }

    private static List<string> Rows(byte[] response)
    {
        using var document = JsonDocument.Parse(response);
        return document.RootElement.GetProperty("data").EnumerateArray().Select(row => row.GetRawText()).ToList();
    }

    [Theory]
    [InlineData(365, 53)]
    [InlineData(90, 13)]
    [InlineData(7, 1)]
    [InlineData(8, 2)]
    public void The_backfill_covers_every_day_in_windows_of_six_or_seven_days_not_a_lone_day(int days, int windows)
    {
        var dataset = new SyntheticDataset(1, days);
        var station = dataset.Backfill[0];

        var commands = CorePipeline.Commands(station, "backfill").ToList();

        Assert.Equal(windows, commands.Count);
        Assert.Equal(station.From.ToDateTime(TimeOnly.MinValue), commands[0].WindowStart.UtcDateTime);
        Assert.Equal(station.To.AddDays(1).ToDateTime(TimeOnly.MinValue), commands[^1].WindowEnd.UtcDateTime);
        Assert.All(commands.Zip(commands.Skip(1)), pair => Assert.Equal(pair.First.WindowEnd, pair.Second.WindowStart));
        Assert.All(commands, c => Assert.InRange((c.WindowEnd - c.WindowStart).TotalDays, Math.Min(days, 4), 7));
    }

    [Theory]
    [InlineData(new[] { "--stations", "100", "--days", "365" }, 100, 365, null, null)]
    [InlineData(new[] { "--days", "90", "--stations", "20", "--keep-data", "data", "--json", "out.json" }, 20, 90, "data", "out.json")]
    public void Options_are_read_in_any_order(string[] args, int stations, int days, string? keepData, string? json)
    {
        Assert.True(E2eOptions.TryParse(args, out var options, out var error), error);
        Assert.Equal(new E2eOptions(stations, days, keepData, json), options);
    }

    [Theory]
    [InlineData(new[] { "--stations", "zero" }, "--stations must be a whole number")]
    [InlineData(new[] { "--days", "1" }, "--days must be a whole number (2-3650)")]
    [InlineData(new[] { "--stations" }, "--stations needs a value")]
    [InlineData(new[] { "--station", "3" }, "Unknown option --station")]
    public void Bad_options_are_refused_with_what_to_type(string[] args, string message)
    {
        Assert.False(E2eOptions.TryParse(args, out _, out var error));
        Assert.Contains(message, error);
    }
}
