using System.Diagnostics;
using Harmattan.Contracts;
using Harmattan.Hosting.Telemetry;
using Harmattan.Storage;
using MassTransit;
using MassTransit.Logging;

namespace Harmattan.Loader;

/// <summary>Spans, a duration and row counts for each batch the loader writes to the store.</summary>
internal static class StoreWriteMetrics
{
    public const string Averages = "averages";
    public const string RawFetches = "raw_fetches";
    public const string IgnoredAsOlder = "ignored_as_older";
    public const string AlreadyArchived = "already_archived";
    public const string RefusedUnversioned = "refused_unversioned";

    /// <summary>
    /// Every collection's results and every completeness at zero, so that Prometheus holds each series before its first
    /// increment: a series born with its first value shows no rise to rate() or increase(), and a store outage that one
    /// retry rides out would show on no panel.
    /// </summary>
    public static void ReportZeros()
    {
        foreach (var (collection, results) in new[] { (Averages, new[] { "written", IgnoredAsOlder, RefusedUnversioned, "failed" }), (RawFetches, ["written", AlreadyArchived, "failed"]) })
            foreach (var result in results)
                HarmattanTelemetry.StoreWrites.Add(0, new("collection", collection), new("result", result));
        foreach (var completeness in new[] { "complete", "incomplete", "missing_at_source", "all_rejected" })
            HarmattanTelemetry.DaysStored.Add(0, new KeyValuePair<string, object?>("completeness", completeness));
    }

    /// <summary>
    /// Times one batch write. Each fetch of the batch gets its own span in its own trace (a batch holds fetches of
    /// several traces, so one span could belong to one of them only).
    /// </summary>
    public static async Task<T> MeasureAsync<T, TMessage>(string collection, Batch<TMessage> batch, Func<TMessage, int> rowsOf,
        Func<Task<T>> write)
        where TMessage : class
    {
        var spans = StartSpans(collection, batch, rowsOf);
        var rows = 0;
        for (var i = 0; i < batch.Length; i++)
            rows += rowsOf(batch[i].Message);
        var tag = new KeyValuePair<string, object?>("collection", collection);
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await write();
        }
        catch (Exception ex)
        {
            foreach (var span in spans)
                span.SetStatus(ActivityStatusCode.Error, ex.Message);
            HarmattanTelemetry.StoreWrites.Add(rows, tag, new("result", "failed"));
            throw;
        }
        finally
        {
            HarmattanTelemetry.StoreWriteDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tag);
            var current = Activity.Current;
            foreach (var span in spans)
                span.Dispose();
            Activity.Current = current;
        }
    }

    private static List<Activity> StartSpans<TMessage>(string collection, Batch<TMessage> batch, Func<TMessage, int> rowsOf)
        where TMessage : class
    {
        var spans = new List<Activity>();
        if (!HarmattanTelemetry.ActivitySource.HasListeners())
            return spans;
        var current = Activity.Current;
        for (var i = 0; i < batch.Length; i++)
        {
            var parent = TraceOf(batch[i]) ?? current?.Context ?? default;
            if (HarmattanTelemetry.ActivitySource.StartActivity("store " + collection, ActivityKind.Internal, parent) is not { } span)
                continue;
            span.SetTag("harmattan.store.rows", rowsOf(batch[i].Message));
            span.SetTag("harmattan.store.batch_messages", batch.Length);
            spans.Add(span);
            Activity.Current = current;
        }
        return spans;
    }

    /// <summary>The trace a message was sent in, from the header MassTransit writes it to.</summary>
    private static ActivityContext? TraceOf(ConsumeContext message) =>
        (message.ReceiveContext.TransportHeaders.Get<string>(DiagnosticHeaders.ActivityId) ?? message.Headers.Get<string>(DiagnosticHeaders.ActivityId))
            is { } id && ActivityContext.TryParse(id, null, out var context)
            ? context
            : null;

    public static void Written(string collection, long written, long ignored, string ignoredAs)
    {
        var tag = new KeyValuePair<string, object?>("collection", collection);
        HarmattanTelemetry.StoreWrites.Add(written, tag, new("result", "written"));
        if (ignored > 0)
            HarmattanTelemetry.StoreWrites.Add(ignored, tag, new("result", ignoredAs));
    }

    /// <summary>What the store did with a batch of averages: written, ignored as older, refused as unversioned.</summary>
    public static void AveragesWritten(UpsertResult result)
    {
        Written(Averages, result.Written, result.IgnoredAsOlder, IgnoredAsOlder);
        if (result.RefusedUnversioned > 0)
            HarmattanTelemetry.StoreWrites.Add(result.RefusedUnversioned, new("collection", Averages), new("result", RefusedUnversioned));
    }

    /// <summary>Days whose averages were stored, by what the day's row says of its hours.</summary>
    public static void DaysStored(IEnumerable<AveragesComputed> batch)
    {
        foreach (var days in batch.SelectMany(a => a.Daily).GroupBy(Completeness))
            HarmattanTelemetry.DaysStored.Add(days.Count(), new KeyValuePair<string, object?>("completeness", days.Key));
    }

    internal static string Completeness(DailyAverage day) => day.Coverage() switch
    {
        DayCoverage.MissingAtSource => "missing_at_source",
        DayCoverage.AllRejected => "all_rejected",
        DayCoverage.Complete => "complete",
        _ => "incomplete",
    };
}
