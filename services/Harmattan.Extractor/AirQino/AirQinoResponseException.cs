using System.Net;

namespace Harmattan.Extractor;

/// <summary>
/// AirQino did not give usable hourly data for a station: an error status after the retries, a body that is not
/// the expected JSON, or no answer at all. The message names the station and the request URL (never credentials).
/// </summary>
public sealed class AirQinoResponseException : Exception
{
    public AirQinoResponseException(string stationId, string requestUrl, string message, HttpStatusCode? statusCode = null,
        Exception? innerException = null, bool hasNoRows = false, bool retriedByHttpClient = false)
        : base(message, innerException)
    {
        StationId = stationId;
        RequestUrl = requestUrl;
        StatusCode = statusCode;
        HasNoRows = hasNoRows;
        RetriedByHttpClient = retriedByHttpClient;
    }

    public string StationId { get; }
    public string RequestUrl { get; }

    /// <summary>The HTTP status when the failure is an error status, otherwise null.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>A well-formed AirQino response whose data array is empty: the station has nothing for the request.</summary>
    public bool HasNoRows { get; }

    /// <summary>
    /// The failure came out of the HTTP client's resilience pipeline (an error status, a timeout, a network failure, an
    /// open circuit), which already retried what was worth retrying: asking again from the bus would multiply requests.
    /// </summary>
    public bool RetriedByHttpClient { get; }
}
