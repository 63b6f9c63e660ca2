using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Harmattan.Extractor.Authentication;

/// <summary>
/// Obtains and caches the Keycloak access token for the AirQino API: the cached token is used until shortly before it
/// expires, then the refresh grant is tried first and the password (or client credentials) grant is the fallback.
/// One instance per process, shared by every request.
/// </summary>
public sealed class AirQinoTokenClient(IHttpClientFactory httpClients, IOptions<AirQinoOptions> options, TimeProvider time,
    ILogger<AirQinoTokenClient> logger)
{
    public const string HttpClientName = "AirQinoToken";
    public static readonly TimeSpan ExpiryMargin = TimeSpan.FromSeconds(30);

    /// <summary>A token answer is a few kilobytes; a larger one is refused as it is read, not held whole in the heap.</summary>
    public const int MaxTokenResponseBytes = 1024 * 1024;

    private readonly AirQinoOptions _options = options.Value;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Token? _access;
    private Token? _refresh;

    public bool Enabled => !string.IsNullOrWhiteSpace(_options.TokenUrl);

    private bool UsesPasswordGrant => !string.IsNullOrEmpty(_options.Username);

    /// <summary>
    /// A valid access token. <paramref name="rejected"/> is a token the API has just refused: it is replaced unless
    /// another request replaced it meanwhile.
    /// </summary>
    /// <exception cref="AirQinoAuthenticationException">The token endpoint gave no token.</exception>
    public async Task<string> GetAccessTokenAsync(string? rejected, CancellationToken cancellationToken)
    {
        if (Usable(_access, rejected) is { } cached)
            return cached;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (Usable(_access, rejected) is { } current)
                return current;
            _access = null;
            var issued = await RefreshAsync(cancellationToken) ?? await RequestNewAsync(cancellationToken);
            return issued;
        }
        finally
        {
            _gate.Release();
        }
    }

    private string? Usable(Token? token, string? rejected) =>
        token is not null && token.Value != rejected && time.GetUtcNow() < token.RenewAt ? token.Value : null;

    private async Task<string?> RefreshAsync(CancellationToken cancellationToken)
    {
        var refresh = _refresh;
        if (refresh is null || time.GetUtcNow() >= refresh.RenewAt)
            return null;
        _refresh = null;
        try
        {
            return await RequestAsync("refresh_token", [new("refresh_token", refresh.Value)], cancellationToken);
        }
        catch (AirQinoAuthenticationException ex)
        {
            logger.LogInformation("The AirQino refresh token could not be used ({Reason}); asking for a new token with the {Grant} grant",
                ex.Message, UsesPasswordGrant ? "password" : "client_credentials");
            return null;
        }
    }

    private Task<string> RequestNewAsync(CancellationToken cancellationToken) =>
        UsesPasswordGrant
            ? RequestAsync("password", [new("username", _options.Username!), new("password", _options.Password ?? "")], cancellationToken)
            : RequestAsync("client_credentials", [], cancellationToken);

    private async Task<string> RequestAsync(string grant, List<KeyValuePair<string, string>> fields, CancellationToken cancellationToken)
    {
        fields.Add(new("grant_type", grant));
        fields.Add(new("client_id", _options.ClientId!));
        if (!string.IsNullOrEmpty(_options.ClientSecret))
            fields.Add(new("client_secret", _options.ClientSecret));

        var requestedAt = time.GetUtcNow();
        using var http = httpClients.CreateClient(HttpClientName);
        http.Timeout = _options.Timeout;
        http.MaxResponseContentBufferSize = MaxTokenResponseBytes;
        using var content = new FormUrlEncodedContent(fields);
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync(_options.TokenUrl, content, cancellationToken);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AirQinoAuthenticationException(
                $"The AirQino token endpoint {_options.TokenUrl} did not answer within AirQino:Timeout ({_options.Timeout.TotalSeconds:0.###} s).",
                innerException: ex);
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.ConfigurationLimitExceeded)
        {
            // Not "could not be reached": the endpoint answered, with something that is not a token.
            throw new AirQinoAuthenticationException(
                $"The AirQino token endpoint {_options.TokenUrl} answered with more than {MaxTokenResponseBytes:N0} bytes, which no " +
                "token answer is: check that AirQino:TokenUrl names the token endpoint.");
        }
        catch (HttpRequestException ex)
        {
            throw new AirQinoAuthenticationException(
                $"The AirQino token endpoint {_options.TokenUrl} could not be reached: {ex.Message}; check AirQino:TokenUrl and the network.",
                innerException: ex);
        }

        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
                throw Refused(grant, response.StatusCode, response.ReasonPhrase, ErrorCode(body));

            var issued = Parse(body, grant);
            _access = new Token(issued.AccessToken, RenewAt(requestedAt, issued.ExpiresIn));
            _refresh = issued.RefreshToken is { Length: > 0 } refresh
                ? new Token(refresh, issued.RefreshExpiresIn > 0 ? RenewAt(requestedAt, issued.RefreshExpiresIn) : DateTimeOffset.MaxValue)
                : null;
            logger.LogInformation("Obtained an AirQino access token with the {Grant} grant from {TokenUrl}, valid for {Lifetime} s",
                grant, _options.TokenUrl, issued.ExpiresIn);
            return issued.AccessToken;
        }
    }

    /// <summary>
    /// The token is renewed <see cref="ExpiryMargin"/> before it expires, so a request never leaves with a token that
    /// expires on the way; a token living less than twice the margin is renewed at half its life instead.
    /// </summary>
    private static DateTimeOffset RenewAt(DateTimeOffset requestedAt, int lifetimeSeconds)
    {
        var lifetime = TimeSpan.FromSeconds(lifetimeSeconds);
        var margin = lifetime >= 2 * ExpiryMargin ? ExpiryMargin : lifetime / 2;
        return requestedAt + lifetime - margin;
    }

    private AirQinoAuthenticationException Refused(string grant, HttpStatusCode status, string? reason, string? errorCode)
    {
        var code = $"{(int)status} {reason ?? status.ToString()}".TrimEnd();
        var keys = grant == "password"
            ? "AirQino:ClientId, AirQino:ClientSecret, AirQino:Username and AirQino:Password"
            : "AirQino:ClientId and AirQino:ClientSecret";
        var detail = errorCode is null ? "" : $" ({errorCode})";
        var advice = status is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
            ? $"check {keys}"
            : "the token endpoint is failing, try again later";
        return new AirQinoAuthenticationException(
            $"The AirQino token endpoint {_options.TokenUrl} refused the {grant} grant with {code}{detail}: {advice}.", status);
    }

    /// <summary>The OAuth2 <c>error</c> code of a refusal (e.g. invalid_grant); the free-text description is not kept.</summary>
    private static string? ErrorCode(byte[] body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String
                && error.GetString() is { Length: > 0 and <= 64 } code && code.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')
                ? code
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private IssuedToken Parse(byte[] body, string grant)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new JsonException($"the answer is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object");
            var access = root.TryGetProperty("access_token", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
            var expiresIn = Seconds(root, "expires_in");
            if (string.IsNullOrEmpty(access) || expiresIn is not > 0)
                throw new JsonException("it has no access_token, or no expires_in of a positive number of seconds");
            var refresh = root.TryGetProperty("refresh_token", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            return new IssuedToken(access, expiresIn.Value, refresh, Seconds(root, "refresh_expires_in") ?? 0);
        }
        catch (JsonException ex)
        {
            throw new AirQinoAuthenticationException(
                $"The AirQino token endpoint {_options.TokenUrl} answered the {grant} grant without a usable token: {ex.Message}.");
        }
    }

    /// <summary>A lifetime in seconds: a number, as OAuth2 specifies it, or a string of digits, as some servers send it.</summary>
    private static int? Seconds(JsonElement token, string name) =>
        !token.TryGetProperty(name, out var value) ? null
        : value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number
        : value.ValueKind == JsonValueKind.String && int.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var text) ? text
        : null;

    private sealed record Token(string Value, DateTimeOffset RenewAt);

    private sealed record IssuedToken(string AccessToken, int ExpiresIn, string? RefreshToken, int RefreshExpiresIn);
}
