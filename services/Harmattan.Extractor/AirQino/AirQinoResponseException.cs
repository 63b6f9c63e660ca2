using System.Net;

namespace Harmattan.Extractor;

/// <summary>
/// AirQino did not give usable hourly data for a station: an error status after the retries, a body that is not
/// the expected JSON, or no answer at all. The message names the station and the request URL (never credentials).
/// </summary>
public sealed class AirQinoResponseException : Exception
{
    public AirQinoResponseException(string stationId, string requestUrl, string message, HttpStatusCode? statusCode = null,
        Exception? innerException = null, bool hasNoRows = false, bool retriedByHttpClient = false,
        AirQinoFailureKind kind = AirQinoFailureKind.NoUsableAnswer)
        : base(message, innerException)
    {
        StationId = stationId;
        RequestUrl = requestUrl;
        StatusCode = statusCode;
        HasNoRows = hasNoRows;
        RetriedByHttpClient = retriedByHttpClient;
        Kind = kind;
        Data[KindKey] = kind.ToString();
    }

    /// <summary>
    /// The key of <see cref="Exception.Data"/> that holds <see cref="Kind"/>'s name: a fault message carries an
    /// exception's type name, message and data but not its properties, and the CLI tells by it whether AirQino was reached.
    /// </summary>
    public const string KindKey = "AirQinoFailureKind";

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

    public AirQinoFailureKind Kind { get; }

    /// <summary>
    /// This exception, not its innermost cause: a timeout's is a TaskCanceledException, which MassTransit would take
    /// for a cancelled consumer (ConsumerCanceledException), retrying what the HTTP client already retried and hiding
    /// this message from the error queue.
    /// </summary>
    public override Exception GetBaseException() => this;
}

/// <summary>Whether AirQino answered a fetch that failed: the remedies differ.</summary>
public enum AirQinoFailureKind
{
    /// <summary>
    /// AirQino answered, but not with usable data (an error status; a body too large, cut short or not the expected
    /// JSON), or was not asked (no access token, requests paused after repeated failures).
    /// </summary>
    NoUsableAnswer,

    /// <summary>
    /// AirQino or its token endpoint was not reached: the connection was refused or failed (name resolution, TLS), or
    /// no answer came in time.
    /// </summary>
    NotReached,
}
