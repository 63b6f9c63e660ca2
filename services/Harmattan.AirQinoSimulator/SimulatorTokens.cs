using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;

namespace Harmattan.AirQinoSimulator;

/// <summary>The Keycloak-like token endpoint's accounts and token lifetimes.</summary>
public sealed class SimulatorTokenOptions
{
    public const string TokenPath = "/realms/airqino/protocol/openid-connect/token";

    /// <summary>The data endpoint answers 401 without a valid, unexpired bearer token.</summary>
    public bool RequireToken { get; set; }

    public string ClientId { get; set; } = "harmattan";

    /// <summary>Required from the client when not empty (a confidential client).</summary>
    public string ClientSecret { get; set; } = "simulator-client-secret";

    public string Username { get; set; } = "harmattan";
    public string Password { get; set; } = "simulator-password";

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(5);
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromMinutes(30);
}

/// <summary>
/// Issues and checks the simulator's tokens: <c>POST /realms/airqino/protocol/openid-connect/token</c> with the
/// password, refresh_token and client_credentials grants, answered as Keycloak does. Counters for tests.
/// </summary>
public sealed class SimulatorTokens(SimulatorTokenOptions options, Func<DateTimeOffset> now)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _access = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _refresh = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _issued = new();
    private int _passwordGrants, _refreshGrants, _clientCredentialsGrants, _refusedGrants, _refusedRequests, _acceptedRequests;

    public SimulatorTokenOptions Options => options;
    public int PasswordGrants => Volatile.Read(ref _passwordGrants);
    public int RefreshGrants => Volatile.Read(ref _refreshGrants);
    public int ClientCredentialsGrants => Volatile.Read(ref _clientCredentialsGrants);
    public int RefusedGrants => Volatile.Read(ref _refusedGrants);

    /// <summary>Data requests answered 401 for a missing, unknown or expired token.</summary>
    public int RefusedRequests => Volatile.Read(ref _refusedRequests);

    public int AcceptedRequests => Volatile.Read(ref _acceptedRequests);

    /// <summary>Every access and refresh token issued, revoked ones too: what no log may hold.</summary>
    public IReadOnlyList<string> Issued => [.. _issued];

    /// <summary>Every access token issued so far stops working, as when a Keycloak session is ended.</summary>
    public void RevokeAccessTokens() => _access.Clear();

    public void RevokeRefreshTokens() => _refresh.Clear();

    /// <summary>True when the request may have data; counts the answer.</summary>
    public bool Authorize(HttpContext http)
    {
        if (!options.RequireToken)
            return true;
        var header = http.Request.Headers.Authorization.ToString();
        var valid = header.StartsWith("Bearer ", StringComparison.Ordinal)
            && _access.TryGetValue(header["Bearer ".Length..], out var expires) && now() < expires;
        Interlocked.Increment(ref valid ? ref _acceptedRequests : ref _refusedRequests);
        if (!valid)
            http.Response.Headers.WWWAuthenticate = "Bearer realm=\"airqino\", error=\"invalid_token\"";
        return valid;
    }

    public async Task ServeTokenAsync(HttpContext http)
    {
        if (!http.Request.HasFormContentType)
        {
            await RefuseAsync(http, StatusCodes.Status400BadRequest, "invalid_request", "expected application/x-www-form-urlencoded");
            return;
        }
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        if (form["client_id"] != options.ClientId || (options.ClientSecret.Length > 0 && form["client_secret"] != options.ClientSecret))
        {
            await RefuseAsync(http, StatusCodes.Status401Unauthorized, "unauthorized_client", "Invalid client or Invalid client credentials");
            return;
        }

        switch (form["grant_type"].ToString())
        {
            case "password" when form["username"] == options.Username && form["password"] == options.Password:
                Interlocked.Increment(ref _passwordGrants);
                await IssueAsync(http, withRefresh: true);
                return;
            case "password":
                await RefuseAsync(http, StatusCodes.Status401Unauthorized, "invalid_grant", "Invalid user credentials");
                return;
            case "refresh_token" when _refresh.TryRemove(form["refresh_token"].ToString(), out var expires) && now() < expires:
                Interlocked.Increment(ref _refreshGrants);
                await IssueAsync(http, withRefresh: true);
                return;
            case "refresh_token":
                await RefuseAsync(http, StatusCodes.Status400BadRequest, "invalid_grant", "Token is not active");
                return;
            case "client_credentials":
                Interlocked.Increment(ref _clientCredentialsGrants);
                await IssueAsync(http, withRefresh: false);
                return;
            default:
                await RefuseAsync(http, StatusCodes.Status400BadRequest, "unsupported_grant_type", "Unsupported grant_type");
                return;
        }
    }

    private async Task IssueAsync(HttpContext http, bool withRefresh)
    {
        var issuedAt = now();
        var access = NewToken();
        _access[access] = issuedAt + options.AccessTokenLifetime;
        _issued.Enqueue(access);
        var body = new Dictionary<string, object>
        {
            ["access_token"] = access,
            ["expires_in"] = (int)options.AccessTokenLifetime.TotalSeconds,
            ["token_type"] = "Bearer",
            ["scope"] = "profile email",
        };
        if (withRefresh)
        {
            var refresh = NewToken();
            _refresh[refresh] = issuedAt + options.RefreshTokenLifetime;
            _issued.Enqueue(refresh);
            body["refresh_token"] = refresh;
            body["refresh_expires_in"] = (int)options.RefreshTokenLifetime.TotalSeconds;
        }
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(JsonSerializer.Serialize(body), http.RequestAborted);
    }

    private async Task RefuseAsync(HttpContext http, int status, string error, string description)
    {
        Interlocked.Increment(ref _refusedGrants);
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["error"] = error,
            ["error_description"] = description,
        }), http.RequestAborted);
    }

    private static string NewToken() => Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
}
