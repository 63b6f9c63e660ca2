using System.Diagnostics;
using Harmattan.Contracts;
using Harmattan.Hosting.Telemetry;

namespace Harmattan.Loader;

/// <summary>A span, a duration and row counts for each batch the loader writes to the store.</summary>
internal static class StoreWriteMetrics
{
    public const string Averages = "averages";
    public const string RawFetches = "raw_fetches";

    public static async Task<T> MeasureAsync<T>(string collection, int rows, Func<Task<T>> write)
    {
        using var activity = HarmattanTelemetry.ActivitySource.StartActivity("store " + collection);
        activity?.SetTag("harmattan.store.rows", rows);
        var tag = new KeyValuePair<string, object?>("collection", collection);
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await write();
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            HarmattanTelemetry.StoreWrites.Add(rows, tag, new("result", "failed"));
            throw;
        }
        finally
        {
            HarmattanTelemetry.StoreWriteDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tag);
        }
    }

    public static void Written(string collection, long written, long ignored, string ignoredAs)
    {
        var tag = new KeyValuePair<string, object?>("collection", collection);
        HarmattanTelemetry.StoreWrites.Add(written, tag, new("result", "written"));
        if (ignored > 0)
            HarmattanTelemetry.StoreWrites.Add(ignored, tag, new("result", ignoredAs));
    }

    /// <summary>Days whose averages were stored, by what the day's row says of its hours.</summary>
    public static void DaysStored(IEnumerable<AveragesComputed> batch)
    {
        long complete = 0, incomplete = 0, missing = 0;
        foreach (var day in batch.SelectMany(a => a.Daily))
        {
            if (day.HoursCovered == 0)
                missing++;
            else if (day.IsComplete)
                complete++;
            else
                incomplete++;
        }
        Add(complete, "complete");
        Add(incomplete, "incomplete");
        Add(missing, "missing_at_source");

        static void Add(long days, string completeness)
        {
            if (days > 0)
                HarmattanTelemetry.DaysStored.Add(days, new KeyValuePair<string, object?>("completeness", completeness));
        }
    }
}
