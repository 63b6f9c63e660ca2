using System.Net;

namespace Harmattan.Extractor;

/// <summary>
/// AirQino did not give usable hourly data for a station: an error status after the retries, a body that is not
/// the expected JSON, or no answer at all. The message names the station and the request URL (never credentials).
/// </summary>
public sealed class AirQinoResponseException : Exception
{
    public AirQinoResponseException(string stationId, string requestUrl, string message, HttpStatusCode? statusCode = null,
        Exception? innerException = null, bool hasNoRows = false)
        : base(message, innerException)
    {
        StationId = stationId;
        RequestUrl = requestUrl;
        StatusCode = statusCode;
        HasNoRows = hasNoRows;
    }

    public string StationId { get; }
    public string RequestUrl { get; }

    /// <summary>The HTTP status when the failure is an error status, otherwise null.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>A well-formed AirQino response whose data array is empty: the station has nothing for the request.</summary>
    public bool HasNoRows { get; }
}
