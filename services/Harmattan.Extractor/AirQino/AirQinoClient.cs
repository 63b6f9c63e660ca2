using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Harmattan.Extractor.Authentication;
using Harmattan.Stations;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Harmattan.Extractor;

/// <summary>
/// Calls AirQino's <c>GET /v3/getStationHourlyAvg/{id}</c>. Retries, timeouts and the circuit breaker come from the
/// resilience handler configured in <see cref="ConfigureResilience"/>.
/// </summary>
public sealed class AirQinoClient(HttpClient http, IOptions<AirQinoOptions> options)
{
    /// <summary>The end of a 404's reason: the CLI recognises in it a station that will never succeed.</summary>
    public const string UnknownStationFix = "check the station id (Stations:N:Id) and AirQino:BaseUrl.";

    private const string DateFormat = "yyyyMMdd-HHmm";
    private readonly AirQinoOptions _options = options.Value;

    /// <summary>The request URL for a station and window (dates in UTC).</summary>
    public string RequestUrl(string stationId, DateTimeOffset windowStart, DateTimeOffset windowEnd) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{_options.BaseUrl.TrimEnd('/')}/v3/getStationHourlyAvg/{Uri.EscapeDataString(StationId.Validate(stationId))}" +
            $"?start_date={windowStart.UtcDateTime.ToString(DateFormat, CultureInfo.InvariantCulture)}" +
            $"&end_date={windowEnd.UtcDateTime.ToString(DateFormat, CultureInfo.InvariantCulture)}");

    /// <summary>
    /// Fetches a station's hourly averages and keeps the rows whose hour starts in [windowStart, windowEnd):
    /// the API has been seen to ignore the dates and send the last 365 days.
    /// </summary>
    /// <exception cref="ArgumentException">The station id is not valid or the window is empty; nothing was requested.</exception>
    /// <exception cref="AirQinoResponseException">AirQino gave no usable answer (status, body or network).</exception>
    public async Task<AirQinoFetch> GetHourlyAsync(string stationId, DateTimeOffset windowStart, DateTimeOffset windowEnd,
        CancellationToken cancellationToken)
    {
        StationId.Validate(stationId);
        if (windowEnd <= windowStart)
            throw new ArgumentException($"The window end {windowEnd:O} is not after its start {windowStart:O}.", nameof(windowEnd));
        var url = RequestUrl(stationId, windowStart, windowEnd);

        using var response = await SendAsync(stationId, url, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw StatusFailure(stationId, url, response, RetryAfter(response), RemainingBudget(response, _options));

        var (buffer, length) = await ReadBodyAsync(stationId, url, response, cancellationToken);
        try
        {
            var parsed = AirQinoParser.Parse(buffer.AsSpan(0, length), stationId, url, windowStart, windowEnd);
            return new AirQinoFetch
            {
                StationId = stationId,
                WindowStart = windowStart,
                WindowEnd = windowEnd,
                Source = url,
                Readings = parsed.Readings,
                RowsReceived = parsed.RowsReceived,
                RowsUnparseable = parsed.RowsUnparseable,
                FirstUnparseable = parsed.FirstUnparseable,
            };
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Applies <see cref="AirQinoOptions"/> to the standard resilience handler.</summary>
    public static void ConfigureResilience(HttpStandardResilienceOptions resilience, AirQinoOptions options)
    {
        resilience.AttemptTimeout.Timeout = options.Timeout;
        resilience.TotalRequestTimeout.Timeout = options.TotalTimeout;
        // Polly needs at least one attempt configured; zero retries means "handle nothing".
        resilience.Retry.MaxRetryAttempts = Math.Max(options.RetryAttempts, 1);
        if (options.RetryAttempts == 0)
            resilience.Retry.ShouldHandle = _ => Polly.PredicateResult.False();
        else
        {
            // A wait AirQino asks for that outlasts what is left of the budget would end in the total timeout, after sitting
            // idle for it, and read as "AirQino did not answer in time": the answer is reported at once instead.
            var transient = resilience.Retry.ShouldHandle;
            resilience.Retry.ShouldHandle = args => RetryAfter(args.Outcome.Result) > RemainingBudget(args.Outcome.Result, options)
                ? Polly.PredicateResult.False()
                : transient(args);
        }
        resilience.Retry.Delay = options.RetryDelay;
        resilience.Retry.BackoffType = Polly.DelayBackoffType.Exponential;
        resilience.Retry.UseJitter = true;
        resilience.Retry.ShouldRetryAfterHeader = true;
        // The breaker's sampling window must hold at least two attempts (a rule of the standard handler).
        var sampling = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(30).Ticks, options.Timeout.Ticks * 2));
        resilience.CircuitBreaker.SamplingDuration = sampling;
        // AirQino throttles (429) and fails now and then; at the default 10% the circuit opened under a merely faulty API
        // and every queued fetch then failed instantly through its bus retries into the error queue. Open only when
        // AirQino is essentially down.
        resilience.CircuitBreaker.FailureRatio = 0.9;
    }

    private static readonly HttpRequestOptionsKey<long> StartedAt = new("Harmattan.AirQino.StartedAt");

    /// <summary>What is left of AirQino:TotalTimeout for the request that got <paramref name="response"/>.</summary>
    private static TimeSpan RemainingBudget(HttpResponseMessage? response, AirQinoOptions options) =>
        response?.RequestMessage?.Options.TryGetValue(StartedAt, out var started) == true
            ? options.TotalTimeout - Stopwatch.GetElapsedTime(started)
            : options.TotalTimeout;

    private async Task<HttpResponseMessage> SendAsync(string stationId, string url, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Options.Set(StartedAt, Stopwatch.GetTimestamp());
        try
        {
            return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (AirQinoAuthenticationException ex)
        {
            throw new AirQinoResponseException(stationId, url, $"No AirQino access token for station {stationId}: {ex.Message}",
                ex.StatusCode, ex, kind: ex.InnerException is HttpRequestException or OperationCanceledException
                    ? AirQinoFailureKind.NotReached
                    : AirQinoFailureKind.NoUsableAnswer);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new AirQinoResponseException(stationId, url,
                $"AirQino did not answer in time for station {stationId} at {url} ({ex.Timeout.TotalSeconds:0.###} s); " +
                "raise AirQino:Timeout or AirQino:TotalTimeout if the API is just slow.", innerException: ex, retriedByHttpClient: true,
                kind: AirQinoFailureKind.NotReached);
        }
        catch (BrokenCircuitException ex)
        {
            throw new AirQinoResponseException(stationId, url,
                $"AirQino is failing repeatedly, so requests are paused (circuit open) for station {stationId} at {url}; " +
                "the fetch will work again once AirQino recovers.", innerException: ex, retriedByHttpClient: true);
        }
        catch (HttpRequestException ex)
        {
            throw new AirQinoResponseException(stationId, url,
                $"AirQino could not be reached for station {stationId} at {url}: {ex.Message}; check AirQino:BaseUrl (harmattan run: --airqino-url) and the network.",
                innerException: ex, retriedByHttpClient: true, kind: AirQinoFailureKind.NotReached);
        }
    }

    /// <summary>The wait a throttling answer asks for (<c>Retry-After</c> as seconds or as a date), if any.</summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage? response) =>
        response?.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - DateTimeOffset.UtcNow,
            _ => null,
        };

    private AirQinoResponseException StatusFailure(string stationId, string url, HttpResponseMessage response,
        TimeSpan? retryAfter, TimeSpan remaining)
    {
        var status = response.StatusCode;
        var code = $"{(int)status} {response.ReasonPhrase ?? status.ToString()}".TrimEnd();
        var message = status switch
        {
            // The statuses the retry handles, which it leaves alone when the wait they ask for outlasts the budget.
            HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout or >= HttpStatusCode.InternalServerError
                when retryAfter > remaining =>
                $"AirQino {(status == HttpStatusCode.TooManyRequests ? "throttled the request" : "could not serve the request")} " +
                $"for station {stationId} ({code}) at {url} and asked to wait {retryAfter.Value.TotalSeconds:0} s (Retry-After), " +
                $"longer than what is left of AirQino:TotalTimeout ({_options.TotalTimeout.TotalSeconds:0.###} s), so it was not retried; " +
                "fetch it again once that wait is over.",
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden when !string.IsNullOrWhiteSpace(_options.TokenUrl) =>
                $"AirQino refused the request for station {stationId} with {code} at {url} although it carried an access token " +
                $"from {_options.TokenUrl}{(status == HttpStatusCode.Unauthorized ? ", renewed once" : "")}: check that the account " +
                "of AirQino:ClientId (or AirQino:Username) may read this station.",
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
                $"AirQino refused the request for station {stationId} with {code} at {url}: the API refused the credentials " +
                "or needs a bearer token: set AirQino:TokenUrl with AirQino:ClientId and the credentials.",
            HttpStatusCode.NotFound =>
                $"AirQino answered {code} for station {stationId} at {url}: {UnknownStationFix}",
            HttpStatusCode.TooManyRequests =>
                $"AirQino kept throttling the requests for station {stationId} ({code}) at {url} after {_options.RetryAttempts} retries; " +
                "fetch fewer stations at once or raise AirQino:RetryAttempts.",
            >= HttpStatusCode.InternalServerError =>
                $"AirQino answered {code} for station {stationId} at {url} after {_options.RetryAttempts} retries; the API is failing, try again later.",
            // What the HTTP client did not follow: from https to http, or more than 50 redirects in a row.
            >= HttpStatusCode.MultipleChoices and < HttpStatusCode.BadRequest =>
                $"AirQino redirected the request for station {stationId} ({code}) at {url} to " +
                $"{(response.Headers.Location is { } location ? new Uri(new Uri(url), location).ToString() : "no address")}, which was not " +
                "followed (from https to http, or too many redirects): set AirQino:BaseUrl to the API's own address.",
            _ => $"AirQino answered {code} for station {stationId} at {url}.",
        };
        return new AirQinoResponseException(stationId, url, message, status, retriedByHttpClient: true);
    }

    /// <summary>Reads the body into a pooled buffer, refusing it as soon as it passes AirQino:MaxResponseBytes.</summary>
    private async Task<(byte[] Buffer, int Length)> ReadBodyAsync(string stationId, string url, HttpResponseMessage response,
        CancellationToken cancellationToken)
    {
        var limit = _options.MaxResponseBytes;
        var declared = response.Content.Headers.ContentLength;
        if (declared > limit)
            throw TooLarge(stationId, url, $"declares {declared:N0} bytes");

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit + 1, declared is { } size ? size + 1 : 64 * 1024));
        var capacity = (int)Math.Min(buffer.Length, limit + 1);
        var length = 0;
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
            while (true)
            {
                if (length == capacity)
                {
                    if (length > limit)
                        throw TooLarge(stationId, url, $"is larger than {limit:N0} bytes");
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit + 1, (long)buffer.Length * 2));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                    capacity = (int)Math.Min(buffer.Length, limit + 1);
                }
                var read = await stream.ReadAsync(buffer.AsMemory(length, capacity - length), timeout.Token);
                if (read == 0)
                    break;
                length += read;
            }
            if (length > limit)
                throw TooLarge(stationId, url, $"is larger than {limit:N0} bytes");
            return (buffer, length);
        }
        catch (Exception ex)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
                throw new AirQinoResponseException(stationId, url,
                    $"AirQino's response for station {stationId} from {url} did not arrive within AirQino:Timeout " +
                    $"({_options.Timeout.TotalSeconds:0.###} s) after {length:N0} bytes; raise AirQino:Timeout if the API is just slow.",
                    innerException: ex);
            if (ex is IOException or HttpRequestException)
                throw new AirQinoResponseException(stationId, url,
                    $"The connection broke while reading AirQino's response for station {stationId} from {url} after {length:N0} bytes: {ex.Message}.",
                    innerException: ex);
            throw;
        }
    }

    private AirQinoResponseException TooLarge(string stationId, string url, string what) =>
        new(stationId, url,
            $"AirQino's response for station {stationId} from {url} {what}, above the limit AirQino:MaxResponseBytes " +
            $"({_options.MaxResponseBytes:N0}); raise AirQino:MaxResponseBytes (environment variable AirQino__MaxResponseBytes) " +
            "if such a response is expected.");
}
