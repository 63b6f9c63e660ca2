using System.Net;

namespace Harmattan.Extractor.Authentication;

/// <summary>
/// No access token could be obtained from <c>AirQino:TokenUrl</c>. The message names the token URL and the HTTP status,
/// never a credential.
/// </summary>
public sealed class AirQinoAuthenticationException(string message, HttpStatusCode? statusCode = null, Exception? innerException = null)
    : Exception(message, innerException)
{
    public HttpStatusCode? StatusCode { get; } = statusCode;
}
