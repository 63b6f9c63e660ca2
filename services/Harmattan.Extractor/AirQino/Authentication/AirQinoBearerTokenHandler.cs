using System.Net;
using System.Net.Http.Headers;

namespace Harmattan.Extractor.Authentication;

/// <summary>
/// Adds the AirQino bearer token to every request when <c>AirQino:TokenUrl</c> is set (anonymous otherwise), and
/// retries once with a fresh token when the API answers 401: a token can be revoked before it expires.
/// </summary>
public sealed class AirQinoBearerTokenHandler(AirQinoTokenClient tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!tokens.Enabled)
            return await base.SendAsync(request, cancellationToken);

        var token = await tokens.GetAccessTokenAsync(rejected: null, cancellationToken);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
            return response;

        response.Dispose();
        var fresh = await tokens.GetAccessTokenAsync(rejected: token, cancellationToken);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fresh);
        return await base.SendAsync(request, cancellationToken);
    }
}
