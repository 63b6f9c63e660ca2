using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Harmattan.Extractor;
using Harmattan.Extractor.Authentication;
using Microsoft.Extensions.DependencyInjection;

namespace Harmattan.Tests.Extractor;

/// <summary>Answers the simulator does not produce, served by a handler in place of the network.</summary>
public class AirQinoClientBodyTests
{
    private const string Station = "283164601";
    private static readonly DateTimeOffset WindowStart = new(2023, 12, 1, 0, 0, 0, TimeSpan.Zero);
    private const string TokenUrl = "https://auth.airqino.test/realms/airqino/protocol/openid-connect/token";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AirQinoClient Client(Func<HttpContent> body, Dictionary<string, string?>? extra = null) =>
        Client(new FixedResponseHandler(() => new HttpResponseMessage(HttpStatusCode.OK) { Content = body() }), extra);

    private static AirQinoClient Client(FixedResponseHandler handler, Dictionary<string, string?>? extra = null,
        FixedResponseHandler? tokenEndpoint = null)
    {
        var settings = ExtractorTestServices.Settings("https://airqino.test");
        foreach (var (key, value) in extra ?? [])
            settings[key] = value;
        return ExtractorTestServices.Build(settings, s =>
            {
                s.AddHttpClient<AirQinoClient>().ConfigurePrimaryHttpMessageHandler(() => handler);
                if (tokenEndpoint is not null)
                    s.AddHttpClient(AirQinoTokenClient.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => tokenEndpoint);
            })
            .GetRequiredService<AirQinoClient>();
    }

    private static AirQinoClient ClientWithToken(HttpStatusCode tokenStatus, string tokenBody) =>
        Client(new FixedResponseHandler(() => new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent("""[{"timestamp":"2023-12-01 00:00:00","CO":0.5}]"""),
            }),
            new() { ["AirQino:TokenUrl"] = TokenUrl, ["AirQino:ClientId"] = "harmattan", ["AirQino:ClientSecret"] = "secret" },
            new FixedResponseHandler(() => new HttpResponseMessage(tokenStatus)
            {
                Content = new StringContent(tokenBody, Encoding.UTF8, "application/json"),
            }));

    [Fact]
    public async Task A_token_lifetime_sent_as_a_string_of_digits_is_accepted()
    {
        var client = ClientWithToken(HttpStatusCode.OK, """{"access_token":"abc","expires_in":"300"}""");

        var fetch = await client.GetHourlyAsync(Station, WindowStart, WindowStart.AddDays(1), Ct);

        Assert.Equal(0.5, fetch.Readings.Single().Values["co"]);
    }

    [Theory]
    [InlineData(HttpStatusCode.OK, "[]", "answered the client_credentials grant without a usable token: the answer is a JSON array, not an object.")]
    [InlineData(HttpStatusCode.OK, """{"access_token":"abc","expires_in":"soon"}""",
        "answered the client_credentials grant without a usable token: it has no access_token, or no expires_in of a positive number of seconds.")]
    [InlineData(HttpStatusCode.BadGateway, "\"Bad gateway\"", "refused the client_credentials grant with 502 Bad Gateway: the token endpoint is failing, try again later.")]
    [InlineData(HttpStatusCode.BadRequest, """[{"error":"invalid_grant"}]""",
        "refused the client_credentials grant with 400 Bad Request: check AirQino:ClientId and AirQino:ClientSecret.")]
    public async Task A_token_answer_of_another_shape_fails_the_fetch_naming_the_token_endpoint(HttpStatusCode status, string body, string reason)
    {
        var client = ClientWithToken(status, body);

        var error = await Assert.ThrowsAsync<AirQinoResponseException>(() => client.GetHourlyAsync(Station, WindowStart, WindowStart.AddDays(1), Ct));

        Assert.Equal($"No AirQino access token for station {Station}: The AirQino token endpoint {TokenUrl} {reason}", error.Message);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, "AirQino could not serve the request")]
    [InlineData(HttpStatusCode.TooManyRequests, "AirQino throttled the request")]
    public async Task An_answer_asking_a_wait_longer_than_the_total_timeout_is_reported_at_once_with_that_wait(HttpStatusCode status, string start)
    {
        var handler = new FixedResponseHandler(() => new HttpResponseMessage(status)
        {
            Headers = { RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(600)) },
        });
        var client = Client(handler);

        var error = await Assert.ThrowsAsync<AirQinoResponseException>(() => client.GetHourlyAsync(Station, WindowStart, WindowStart.AddDays(1), Ct));

        Assert.Equal(1, handler.Requests);
        Assert.Equal(status, error.StatusCode);
        Assert.StartsWith($"{start} for station {Station} ({(int)status} ", error.Message);
        Assert.EndsWith("asked to wait 600 s (Retry-After), longer than what is left of AirQino:TotalTimeout (30 s), so it was not retried; " +
            "fetch it again once that wait is over.", error.Message);
    }

    [Fact]
    public async Task An_html_page_with_status_200_is_reported_as_not_json()
    {
        var client = Client(() => new StringContent("<html><body>Maintenance</body></html>", Encoding.UTF8, "text/html"));

        var error = await Assert.ThrowsAsync<AirQinoResponseException>(() => client.GetHourlyAsync(Station, WindowStart, WindowStart.AddDays(1), Ct));

        Assert.Equal(
            $"AirQino returned a response for station {Station} that is not JSON (starts with '<html><body>Maintenance</body></html>') " +
            $"from https://airqino.test/v3/getStationHourlyAvg/{Station}?start_date=20231201-0000&end_date=20231202-0000; check AirQino:BaseUrl.",
            error.Message);
    }

    [Fact]
    public async Task An_endless_body_without_a_length_is_cut_off_at_the_limit()
    {
        var body = new EndlessJsonStream();
        var client = Client(() => new StreamContent(body), new() { ["AirQino:MaxResponseBytes"] = "100000" });

        var error = await Assert.ThrowsAsync<AirQinoResponseException>(() => client.GetHourlyAsync(Station, WindowStart, WindowStart.AddDays(1), Ct));

        Assert.Contains("is larger than 100,000 bytes", error.Message);
        Assert.Contains("raise AirQino:MaxResponseBytes", error.Message);
        Assert.InRange(body.BytesRead, 100_001, 200_000);
    }

    [Fact]
    public async Task A_body_exactly_at_the_limit_is_accepted()
    {
        var json = """[{"timestamp":"2023-12-01 00:00:00","CO":0.5}]""";
        var client = Client(() => new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json))),
            new() { ["AirQino:MaxResponseBytes"] = Encoding.UTF8.GetByteCount(json).ToString() });

        var fetch = await client.GetHourlyAsync(Station, WindowStart, WindowStart.AddDays(1), Ct);

        Assert.Equal(0.5, fetch.Readings.Single().Values["co"]);
    }

    private sealed class FixedResponseHandler(Func<HttpResponseMessage> answer) : HttpMessageHandler
    {
        private int _requests;

        public int Requests => _requests;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            var response = answer();
            response.RequestMessage = request;
            return Task.FromResult(response);
        }
    }

    /// <summary>A JSON array that never ends and has no declared length.</summary>
    private sealed class EndlessJsonStream : Stream
    {
        private static readonly byte[] Row = Encoding.UTF8.GetBytes("""{"timestamp":"2023-12-01 00:00:00","CO":0.5},""");
        public long BytesRead { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            for (var i = 0; i < count; i++)
                buffer[offset + i] = BytesRead + i == 0 ? (byte)'[' : Row[(BytesRead + i) % Row.Length];
            BytesRead += count;
            return count;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
