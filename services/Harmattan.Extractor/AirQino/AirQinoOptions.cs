using System.ComponentModel.DataAnnotations;

namespace Harmattan.Extractor;

public sealed class AirQinoOptions
{
    public const string Section = "AirQino";
    public const string DefaultBaseUrl = "https://airqino-api.magentalab.it";

    [Required(ErrorMessage = "AirQino:BaseUrl is required: set it to the API root, e.g. https://airqino-api.magentalab.it.")]
    public string BaseUrl { get; set; } = DefaultBaseUrl;

    /// <summary>Time allowed for one attempt (until the response headers arrive, and again for reading the body).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00", ErrorMessage = "AirQino:Timeout must be between 00:00:00.010 and 00:10:00.")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time allowed for one fetch including every retry.</summary>
    [Range(typeof(TimeSpan), "00:00:00.020", "01:00:00", ErrorMessage = "AirQino:TotalTimeout must be between 00:00:00.020 and 01:00:00.")]
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromMinutes(3);

    [Range(0, 20, ErrorMessage = "AirQino:RetryAttempts must be between 0 and 20.")]
    public int RetryAttempts { get; set; } = 4;

    /// <summary>First retry delay; later ones grow exponentially with jitter. A Retry-After header wins.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00", ErrorMessage = "AirQino:RetryDelay must be between 00:00:00 and 00:05:00.")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The services fetch windows of at most 7 days, about 28 KB of AirQino's answer (a year of one station is 1.4 MB),
    /// and the extractor reads <see cref="FetchStationWindowConsumerDefinition.ConcurrentFetches"/> bodies at once in
    /// its 150 MiB heap: two answers of 63 MB (under the former 64 MiB limit) ran it out of memory.
    /// </summary>
    public const long DefaultMaxResponseBytes = 8L * 1024 * 1024;

    [Range(1L, 2_000_000_000L, ErrorMessage = "AirQino:MaxResponseBytes must be between 1 and 2000000000 bytes.")]
    public long MaxResponseBytes { get; set; } = DefaultMaxResponseBytes;

    /// <summary>Keycloak token endpoint; when set, every request carries a bearer token. Unset: anonymous.</summary>
    public string? TokenUrl { get; set; }

    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }

    /// <summary>With <see cref="Password"/>: the password grant; without: the client credentials grant.</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>Checks what data annotations cannot; returns the first problem or null.</summary>
    public static string? Validate(AirQinoOptions options)
    {
        if (!Uri.TryCreate(options.BaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return "AirQino:BaseUrl must be an absolute http(s) URL, e.g. https://airqino-api.magentalab.it.";
        if (uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0)
            return "AirQino:BaseUrl must be the API root only, without user info, query or fragment.";
        if (NamesTheApiVersion(uri))
            return $"AirQino:BaseUrl must be the API root: the client adds /v3/getStationHourlyAvg/ID itself, so leave out the /v3 ({RootOf(uri)}).";
        if (options.Timeout > options.TotalTimeout)
            return "AirQino:Timeout (one attempt) must not be longer than AirQino:TotalTimeout (all attempts).";
        return ValidateAuthentication(options);
    }

    /// <summary>A root that ends in the API's version, to which the client's own /v3/... would be added again.</summary>
    public static bool NamesTheApiVersion(Uri root) =>
        root.AbsolutePath.TrimEnd('/').EndsWith("/v3", StringComparison.OrdinalIgnoreCase);

    /// <summary><paramref name="root"/> without the /v3 it ends in (each of them, when repeated).</summary>
    public static string RootOf(Uri root)
    {
        var path = root.AbsolutePath.TrimEnd('/');
        while (path.EndsWith("/v3", StringComparison.OrdinalIgnoreCase))
            path = path[..^"/v3".Length].TrimEnd('/');
        return root.GetLeftPart(UriPartial.Authority) + path;
    }

    private static string? ValidateAuthentication(AirQinoOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.TokenUrl))
            return string.IsNullOrEmpty(options.ClientId) && string.IsNullOrEmpty(options.Username)
                ? null
                : "AirQino:ClientId or AirQino:Username is set but AirQino:TokenUrl is not: set AirQino:TokenUrl to the Keycloak " +
                  "token endpoint, e.g. https://airqino-auth.magentalab.it/realms/airqino/protocol/openid-connect/token.";
        if (!Uri.TryCreate(options.TokenUrl, UriKind.Absolute, out var token) || token.Scheme is not ("http" or "https")
            || token.UserInfo.Length > 0)
            return "AirQino:TokenUrl must be an absolute http(s) URL without user info, e.g. " +
                   "https://airqino-auth.magentalab.it/realms/airqino/protocol/openid-connect/token.";
        if (string.IsNullOrWhiteSpace(options.ClientId))
            return "AirQino:ClientId is required when AirQino:TokenUrl is set: the Keycloak client to ask tokens for.";
        if (string.IsNullOrEmpty(options.Username) != string.IsNullOrEmpty(options.Password))
            return "AirQino:Username and AirQino:Password go together (password grant); set both, or neither to use the " +
                   "client credentials grant with AirQino:ClientSecret.";
        if (string.IsNullOrEmpty(options.Username) && string.IsNullOrEmpty(options.ClientSecret))
            return "AirQino:TokenUrl is set without credentials: set AirQino:Username and AirQino:Password (password grant) " +
                   "or AirQino:ClientSecret (client credentials grant).";
        return null;
    }
}
