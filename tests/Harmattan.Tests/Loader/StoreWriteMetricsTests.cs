using System.Diagnostics.Metrics;
using Harmattan.Contracts;
using Harmattan.Hosting.Telemetry;
using Harmattan.Loader;

namespace Harmattan.Tests.Loader;

public sealed class StoreWriteMetricsTests
{
    [Fact]
    public void A_day_counts_as_missing_at_the_source_only_when_the_source_sent_no_row_for_it()
    {
        var day = Builders.Averages("283164601", new DateOnly(2026, 9, 1)).Daily[0];
        var allRejected = day with
        {
            HoursCovered = 0, Completeness = 0, IsComplete = false,
            Quantities = new Dictionary<string, QuantityStats> { ["pm2_5"] = new() { Count = 0, Rejected = 24 } },
        };

        Assert.Equal("complete", StoreWriteMetrics.Completeness(day));
        Assert.Equal("incomplete", StoreWriteMetrics.Completeness(day with { HoursCovered = 6, Completeness = 0.25, IsComplete = false }));
        Assert.Equal("missing_at_source", StoreWriteMetrics.Completeness(allRejected with { Quantities = new Dictionary<string, QuantityStats>() }));
        Assert.Equal("all_rejected", StoreWriteMetrics.Completeness(allRejected));
    }

    [Fact]
    public void Averages_refused_because_the_stored_row_has_no_valid_version_are_counted_from_zero_apart_from_older()
    {
        var refused = new List<long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == HarmattanTelemetry.Name && instrument.Name == "harmattan.store.writes")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var tagged = tags.ToArray().ToDictionary(t => t.Key, t => t.Value);
            // Tests beside this one write through the same static counter: only this result of this collection is its own.
            if (Equals(tagged["collection"], StoreWriteMetrics.Averages) && Equals(tagged["result"], "refused_unversioned"))
                lock (refused)
                    refused.Add(value);
        });
        listener.Start();

        StoreWriteMetrics.ReportZeros();
        StoreWriteMetrics.AveragesWritten(new Harmattan.Storage.UpsertResult(Written: 2, IgnoredAsOlder: 1, RefusedUnversioned: 7919));

        lock (refused)
        {
            Assert.Contains(0L, refused);
            Assert.Contains(7919L, refused);
        }
    }
}
