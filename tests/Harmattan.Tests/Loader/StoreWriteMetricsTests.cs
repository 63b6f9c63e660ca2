using Harmattan.Contracts;
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
}
