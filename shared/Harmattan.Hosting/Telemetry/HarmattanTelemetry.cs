using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Harmattan.Hosting.Telemetry;

/// <summary>
/// The pipeline's own meter and trace source. Prometheus sees each instrument with dots as underscores, the unit as a
/// suffix and <c>_total</c> on counters: <c>harmattan.store.writes</c> is scraped as <c>harmattan_store_writes_total</c>.
/// </summary>
public static class HarmattanTelemetry
{
    public const string Name = "Harmattan";

    /// <summary>The loader's gauge: observed per host, so created from the host's meter factory.</summary>
    public const string StationDataAge = "harmattan.station.data.age";

    public static readonly ActivitySource ActivitySource = new(Name);
    public static readonly Meter Meter = new(Name);

    /// <summary>Every HTTP attempt to AirQino (retries included), by station and HTTP status (or "error").</summary>
    public static readonly Counter<long> AirQinoRequests =
        Meter.CreateCounter<long>("harmattan.airqino.requests", description: "HTTP requests sent to AirQino, by station and status");

    /// <summary>
    /// Bucket bounds for durations in seconds (the SDK's defaults are for milliseconds), up to the longest time-out an
    /// AirQino attempt (AirQino:Timeout, 10 minutes) or one MongoDB operation (Storage:MongoOperationTimeout, 30 minutes)
    /// may be given: a slow request under a raised time-out still lands in a bucket of its own, not only in +Inf (a batch
    /// write of several such operations may still go beyond).
    /// </summary>
    private static readonly InstrumentAdvice<double> Seconds = new()
    {
        HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    };

    public static readonly Histogram<double> AirQinoRequestDuration = Meter.CreateHistogram(
        "harmattan.airqino.request.duration", unit: "s", description: "Duration of one HTTP request to AirQino", tags: null, advice: Seconds);

    /// <summary>One value of one quantity at one hour, accepted or rejected by a data-quality rule.</summary>
    public static readonly Counter<long> Readings =
        Meter.CreateCounter<long>("harmattan.readings", description: "Values read from fetches: accepted, or rejected by the rule named");

    public static readonly Counter<long> DaysStored =
        Meter.CreateCounter<long>("harmattan.days.stored", description: "Daily averages sent to the store, by completeness");

    public static readonly Counter<long> StoreWrites =
        Meter.CreateCounter<long>("harmattan.store.writes", description: "Rows sent to the store: written, ignored as older, refused as the stored row has no valid version, already archived, or failed");

    public static readonly Histogram<double> StoreWriteDuration = Meter.CreateHistogram(
        "harmattan.store.write.duration", unit: "s", description: "Duration of one batch write to the store", tags: null, advice: Seconds);
}
