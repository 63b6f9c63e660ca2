using System.Net;
using System.Text;
using Harmattan.Extractor;
using Microsoft.Extensions.DependencyInjection;

namespace Harmattan.Tests.Extractor;

/// <summary>Bodies the simulator does not produce, served by a handler in place of the network.</summary>
public class AirQinoClientBodyTests
{
    private const string Station = "283164601";
    private static readonly DateTimeOffset WindowStart = new(2023, 12, 1, 0, 0, 0, TimeSpan.Zero);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AirQinoClient Client(Func<HttpContent> body, Dictionary<string, string?>? extra = null)
    {
        var settings = ExtractorTestServices.Settings("https://airqino.test");
        foreach (var (key, value) in extra ?? [])
            settings[key] = value;
        return ExtractorTestServices.Build(settings, s => s.AddHttpClient<AirQinoClient>()
                .ConfigurePrimaryHttpMessageHandler(() => new FixedResponseHandler(body)))
            .GetRequiredService<AirQinoClient>();
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

    private sealed class FixedResponseHandler(Func<HttpContent> body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = body(), RequestMessage = request });
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
