using Harmattan.Hosting.Telemetry;

namespace Harmattan.Transformer;

internal static class TransformerMetrics
{
    public static void Record(ReadingOutcomes outcomes)
    {
        Add(outcomes.Accepted, "accepted", "none");
        Add(outcomes.Missing, "rejected", "missing");
        Add(outcomes.NotFinite, "rejected", "not_finite");
        Add(outcomes.OutOfRange, "rejected", "out_of_range");
        Add(outcomes.RepeatedTimestamp, "rejected", "repeated_timestamp");
    }

    private static void Add(long count, string outcome, string rule)
    {
        if (count > 0)
            HarmattanTelemetry.Readings.Add(count, new("outcome", outcome), new("rule", rule));
    }
}
