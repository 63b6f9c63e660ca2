using System.Net;
using Harmattan.Extractor;
using Harmattan.Extractor.Authentication;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Harmattan.Tests.Authentication;

public class AirQinoTokenAnswerSizeTests
{
    [Fact]
    public async Task A_token_answer_of_hundreds_of_megabytes_is_refused_as_it_is_read_naming_the_token_url()
    {
        // A mistyped AirQino:TokenUrl, or a broken endpoint, streaming 400 MiB: read whole, it filled the extractor's heap.
        var body = new CountingStream(400L * 1024 * 1024);
        var options = new AirQinoOptions { TokenUrl = "https://auth.test/token", ClientId = "harmattan", ClientSecret = "s" };
        var client = new AirQinoTokenClient(new OneHandlerFactory(new Answer(body)), Options.Create(options), TimeProvider.System,
            NullLogger<AirQinoTokenClient>.Instance);

        var error = await Assert.ThrowsAsync<AirQinoAuthenticationException>(
            () => client.GetAccessTokenAsync(null, TestContext.Current.CancellationToken));

        Assert.True(body.BytesRead <= 2 * AirQinoTokenClient.MaxTokenResponseBytes, $"{body.BytesRead:N0} bytes of the answer were read");
        Assert.Contains("https://auth.test/token answered with more than 1,048,576 bytes", error.Message);
        Assert.Contains("AirQino:TokenUrl", error.Message);
        Assert.DoesNotContain("could not be reached", error.Message);
    }

    private sealed class Answer(Stream body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(body) });
    }

    private sealed class OneHandlerFactory(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }

    /// <summary><paramref name="length"/> spaces made as they are read, counting how many were.</summary>
    private sealed class CountingStream(long length) : Stream
    {
        public long BytesRead { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - BytesRead);
            buffer.AsSpan(offset, n).Fill((byte)' ');
            BytesRead += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
