using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Harmattan.Testing;

/// <summary>The figures of one end-to-end run; its JSON has exactly the keys the performance issue names.</summary>
public sealed record E2eReport
{
    [JsonPropertyName("readings")]
    public required long Readings { get; init; }

    [JsonPropertyName("e2e_readings_per_s")]
    public required double E2eReadingsPerSecond { get; init; }

    [JsonPropertyName("inmemory_readings_per_s")]
    public required double InMemoryReadingsPerSecond { get; init; }

    /// <summary>
    /// CPU time (user + system) of <c>harmattan run</c>, the same flow in one process with no broker, in seconds per
    /// million readings: what the services' code costs without crossing processes. In the table, not in the JSON.
    /// </summary>
    [JsonIgnore]
    public double? InMemoryCpuSecondsPerMillionReadings { get; init; }

    /// <summary>Peak resident set (VmHWM) of <c>harmattan run</c>, in MiB. In the table, not in the JSON.</summary>
    [JsonIgnore]
    public double? InMemoryPeakRssMb { get; init; }

    [JsonPropertyName("core_readings_per_s")]
    public required double CoreReadingsPerSecond { get; init; }

    [JsonPropertyName("parse_only_readings_per_s")]
    public required double ParseOnlyReadingsPerSecond { get; init; }

    /// <summary>Peak resident set (VmHWM) of each service process, in MiB.</summary>
    [JsonPropertyName("peak_rss_mb")]
    public required IReadOnlyDictionary<string, double> PeakRssMb { get; init; }

    /// <summary>
    /// CPU time (user + system) each process spent during the backfill, in seconds per million readings: the cost of
    /// each stage, RabbitMQ's included.
    /// </summary>
    [JsonPropertyName("cpu_s_per_million_readings")]
    public required IReadOnlyDictionary<string, double> CpuSecondsPerMillionReadings { get; init; }

    /// <summary>
    /// CPU time of the benchmark's own process during the backfill (the AirQino simulator it hosts, its reads of the
    /// store's progress), in seconds per million readings: not the pipeline's, but taken from the same cores. In the
    /// table, not in the JSON.
    /// </summary>
    [JsonIgnore]
    public double? HarnessCpuSecondsPerMillionReadings { get; init; }

    /// <summary>The loader's CPU time during the backfill divided by the hourly rows it stored, in microseconds.</summary>
    [JsonPropertyName("loader_cpu_us_per_hourly_row")]
    public required double LoaderCpuMicrosecondsPerHourlyRow { get; init; }

    /// <summary>
    /// The loader's CPU time per hourly row over the second half of the backfill only, in microseconds: by then its code
    /// is compiled, so this is its steady cost. In the table, not in the JSON, whose keys are the issue's.
    /// </summary>
    [JsonIgnore]
    public double? LoaderSecondHalfCpuMicrosecondsPerHourlyRow { get; init; }

    [JsonPropertyName("max_message_bytes")]
    public required long MaxMessageBytes { get; init; }

    [JsonPropertyName("hourly_latency_ms")]
    public required Percentiles HourlyLatencyMs { get; init; }

    private static int RssTargetMb(string service) => service == "loader" ? 150 : 200;

    /// <summary>The round's target for the end-to-end rate as a share of the parse-only walk.</summary>
    private const double E2eShareOfParseOnlyTarget = 0.04;

    /// <summary>
    /// The end-to-end rate the measured processes could reach at most on <paramref name="cores"/> cores if nothing else
    /// ran: a million readings divided by their CPU seconds per million, times the cores. The e2e figure's share of it
    /// is how busy they kept the machine; no tuning of waits lifts e2e above it, only CPU saved per reading.
    /// </summary>
    public double CpuBoundReadingsPerSecond(int cores) => cores * 1e6 / CpuSecondsPerMillionReadings.Values.Sum();

    /// <summary>What <see cref="CpuSecondsPerMillionReadings"/> may add up to at most for e2e to reach its share of parse-only.</summary>
    public double CpuSecondsPerMillionForTarget(int cores) => cores * 1e6 / (E2eShareOfParseOnlyTarget * ParseOnlyReadingsPerSecond);

    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true });

    public string ToTable(E2eOptions options)
    {
        static string Rate(double value) => value.ToString("N0", CultureInfo.InvariantCulture) + " readings/s";
        var rows = new List<(string, string)>
        {
            ("readings", Readings.ToString("N0", CultureInfo.InvariantCulture)),
            ("e2e_readings_per_s", $"{Rate(E2eReadingsPerSecond)}  ({E2eReadingsPerSecond / InMemoryReadingsPerSecond:P0} of in-memory, target >= 70%; " +
                                   $"{E2eReadingsPerSecond / ParseOnlyReadingsPerSecond:P1} of parse-only, target >= {E2eShareOfParseOnlyTarget:P0})"),
            ("inmemory_readings_per_s", Rate(InMemoryReadingsPerSecond) +
                                        (InMemoryCpuSecondsPerMillionReadings is { } inMemoryCpu && InMemoryPeakRssMb is { } inMemoryRss
                                            ? $"  (one process: {inMemoryCpu.ToString("N2", CultureInfo.InvariantCulture)} s of CPU per million readings, " +
                                              $"peak RSS {inMemoryRss.ToString("N1", CultureInfo.InvariantCulture)} MB)"
                                            : "")),
            ("core_readings_per_s", $"{Rate(CoreReadingsPerSecond)}  ({CoreReadingsPerSecond / ParseOnlyReadingsPerSecond:P0} of parse-only; target >= 55%)"),
            ("parse_only_readings_per_s", Rate(ParseOnlyReadingsPerSecond)),
        };
        foreach (var (service, mb) in PeakRssMb)
            rows.Add(($"peak_rss_mb.{service}", mb.ToString("N1", CultureInfo.InvariantCulture) + $" MB  (target <= {RssTargetMb(service)})"));
        foreach (var (process, seconds) in CpuSecondsPerMillionReadings)
            rows.Add(($"cpu_s_per_million_readings.{process}", seconds.ToString("N2", CultureInfo.InvariantCulture) + " s"));
        var cores = Environment.ProcessorCount;
        var bound = CpuBoundReadingsPerSecond(cores);
        rows.Add(("cpu_bound_readings_per_s", $"{Rate(bound)}  (the CPU above, {CpuSecondsPerMillionReadings.Values.Sum():N1} s, " +
                                              $"on {cores} cores; e2e reached {E2eReadingsPerSecond / bound:P0} of it. " +
                                              $"{E2eShareOfParseOnlyTarget:P0} of parse-only needs <= {CpuSecondsPerMillionForTarget(cores):N1} s)"));
        if (HarnessCpuSecondsPerMillionReadings is { } harness)
            rows.Add(("harness_cpu_s_per_million_readings", harness.ToString("N2", CultureInfo.InvariantCulture) +
                                                            " s  (this process: the AirQino simulator and progress reads, on the same cores, not in the sum above)"));
        rows.Add(("loader_cpu_us_per_hourly_row", LoaderCpuMicrosecondsPerHourlyRow.ToString("N1", CultureInfo.InvariantCulture) + " µs  (target <= 10)" +
                                                  (LoaderSecondHalfCpuMicrosecondsPerHourlyRow is { } steady
                                                      ? $"; {steady.ToString("N1", CultureInfo.InvariantCulture)} µs over the backfill's second half"
                                                      : "")));
        rows.Add(("max_message_bytes", MaxMessageBytes.ToString("N0", CultureInfo.InvariantCulture) + " bytes  (target <= 1,048,576)"));
        rows.Add(("hourly_latency_ms", $"p50 {HourlyLatencyMs.P50:N0} ms, p99 {HourlyLatencyMs.P99:N0} ms ({options.Stations} stations, last 2 days each)"));

        var width = rows.Max(r => r.Item1.Length);
        var lines = new List<string> { $"Harmattan end-to-end benchmark: {options.Stations} stations x {options.Days} days" };
        lines.AddRange(rows.Select(r => r.Item1.PadRight(width) + "  " + r.Item2));
        return string.Join(Environment.NewLine, lines);
    }
}

public sealed record Percentiles
{
    [JsonPropertyName("p50")]
    public required double P50 { get; init; }

    [JsonPropertyName("p99")]
    public required double P99 { get; init; }

    /// <summary>Nearest-rank percentiles.</summary>
    public static Percentiles Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
            throw new ArgumentException("No values to take percentiles of.", nameof(values));
        var sorted = values.Order().ToArray();
        double Rank(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new Percentiles { P50 = Rank(0.50), P99 = Rank(0.99) };
    }
}
