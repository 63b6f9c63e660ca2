using System.Diagnostics;
using Harmattan.Hosting.Telemetry;

namespace Harmattan.Extractor;

/// <summary>
/// Counts and times every HTTP attempt to AirQino. It sits inside the resilience handler, so each retry is one request:
/// what AirQino sees, which is what its rate limits count.
/// </summary>
public sealed class AirQinoRequestMetricsHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var station = new KeyValuePair<string, object?>("station", StationOf(request.RequestUri));
        var started = Stopwatch.GetTimestamp();
        string status = "error";
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return response;
        }
        catch (OperationCanceledException)
        {
            status = "cancelled";
            throw;
        }
        finally
        {
            HarmattanTelemetry.AirQinoRequests.Add(1, station, new("status", status));
            HarmattanTelemetry.AirQinoRequestDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, station);
        }
    }

    /// <summary>The station id is the last path segment of <c>/v3/getStationHourlyAvg/{id}</c>.</summary>
    private static string StationOf(Uri? uri) =>
        uri is null ? "unknown" : Uri.UnescapeDataString(uri.AbsolutePath.TrimEnd('/').Split('/')[^1]);
}
