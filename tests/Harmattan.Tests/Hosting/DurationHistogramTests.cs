using System.ComponentModel.DataAnnotations;
using System.Diagnostics.Metrics;
using System.Reflection;
using Harmattan.Extractor;
using Harmattan.Hosting.Telemetry;
using Harmattan.Storage.MongoDb;

namespace Harmattan.Tests.Hosting;

public class DurationHistogramTests
{
    [Fact]
    public void The_duration_buckets_reach_the_longest_time_out_each_measured_operation_may_be_given()
    {
        // A request under the longest time-out its setting accepts must land in a bucket, not only in +Inf.
        foreach (var (histogram, longest) in new (Histogram<double>, TimeSpan)[]
                 {
                     (HarmattanTelemetry.AirQinoRequestDuration, Longest(typeof(AirQinoOptions), nameof(AirQinoOptions.Timeout))),
                     (HarmattanTelemetry.StoreWriteDuration, Longest(typeof(MongoStoreOptions), nameof(MongoStoreOptions.MongoOperationTimeout))),
                 })
            Assert.True(histogram.Advice!.HistogramBucketBoundaries!.Max() >= longest.TotalSeconds,
                $"{histogram.Name}'s last bucket ends before {longest}");
    }

    private static TimeSpan Longest(Type options, string setting) =>
        TimeSpan.Parse((string)options.GetProperty(setting)!.GetCustomAttribute<RangeAttribute>()!.Maximum, System.Globalization.CultureInfo.InvariantCulture);
}
