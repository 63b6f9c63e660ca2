using System.Net;
using System.Net.Http.Headers;
using Harmattan.Contracts;
using Harmattan.Extractor;
using Harmattan.Hosting;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Harmattan.Tests.Extractor;

/// <summary>
/// Fetches that fail once AirQino:TotalTimeout runs out, throttled or stalled: the failure says what AirQino did, and
/// through the real fetch endpoint (FetchStationWindowConsumerDefinition) the bus asks again only what the HTTP client
/// did not retry, and the error queue says why.
/// </summary>
public class ThrottledAndStalledFetchTests
{
    private const string Station = "283164601";
    private static readonly DateTimeOffset WindowStart = new(2023, 12, 1, 0, 0, 0, TimeSpan.Zero);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Waits_asked_by_429s_that_add_up_past_the_total_timeout_are_reported_as_throttling_not_as_no_answer()
    {
        var handler = new Always429(TimeSpan.FromSeconds(1));
        var settings = ExtractorTestServices.Settings("https://airqino.test");
        settings["AirQino:Timeout"] = "00:00:02";
        settings["AirQino:TotalTimeout"] = "00:00:02.500";
        await using var services = ExtractorTestServices.Build(settings,
            s => s.AddHttpClient<AirQinoClient>().ConfigurePrimaryHttpMessageHandler(() => handler));
        var client = services.GetRequiredService<AirQinoClient>();

        var error = await Assert.ThrowsAsync<AirQinoResponseException>(
            () => client.GetHourlyAsync(Station, WindowStart, WindowStart.AddDays(1), Ct));

        // AirQino answered every request at once (429s a second apart within 2.5 s): it was reached, and it throttled.
        Assert.True(handler.Requests >= 2, $"{handler.Requests} requests");
        Assert.DoesNotContain("did not answer in time", error.Message);
        Assert.NotEqual(AirQinoFailureKind.NotReached, error.Kind);
        Assert.Equal(HttpStatusCode.TooManyRequests, error.StatusCode);
        Assert.Contains("longer than what is left of AirQino:TotalTimeout", error.Message);
    }

    [Fact]
    public async Task Throttling_until_the_total_timeout_is_not_asked_again_by_the_bus()
    {
        var airQino = new Always429(TimeSpan.FromSeconds(1));

        var (retries, reason) = await FailedFetch(airQino, s =>
        {
            s["AirQino:Timeout"] = "00:00:02";
            s["AirQino:TotalTimeout"] = "00:00:02.500";
        });

        // At most AirQino:RetryAttempts + 1 requests (the README's promise), all made by the HTTP client.
        Assert.Equal(0, retries);
        Assert.InRange(airQino.Requests, 1, 5);
        Assert.Contains(nameof(AirQinoResponseException), reason);
    }

    [Fact]
    public async Task A_body_that_stops_arriving_reaches_the_error_queue_with_the_reason()
    {
        var (retries, reason) = await FailedFetch(new StalledBody(), s => s["AirQino:Timeout"] = "00:00:00.300");

        // Asked again by the bus, as documented for a body cut short; the error queue says why it failed.
        Assert.Equal(new BusOptions().RetryLimit, retries);
        Assert.Contains("did not arrive within AirQino:Timeout", reason);
    }

    /// <summary>Sends one command; returns the bus retries and the reason the error queue's message carries.</summary>
    private static async Task<(int Retries, string Reason)> FailedFetch(HttpMessageHandler airQino, Action<Dictionary<string, string?>> configure)
    {
        var settings = ExtractorTestServices.Settings("https://airqino.test");
        settings["Bus:RetryMinInterval"] = "00:00:00.010";
        settings["Bus:RetryMaxInterval"] = "00:00:00.050";
        configure(settings);
        await using var services = ExtractorTestServices.Build(settings, s =>
        {
            s.AddHttpClient<AirQinoClient>().ConfigurePrimaryHttpMessageHandler(() => airQino);
            s.AddValidatedOptions<BusOptions>(BusOptions.Section);
            s.AddHarmattanTestHarness(x => x.AddConsumer<FetchStationWindowConsumer, FetchStationWindowConsumerDefinition>());
        });
        var harness = services.GetRequiredService<ITestHarness>();
        await harness.Start();
        try
        {
            var faulted = new TaskCompletionSource<(int, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
            var errorQueue = harness.Bus.ConnectReceiveEndpoint(QueueNames.ErrorQueue(QueueNames.FetchStationWindow), e =>
            {
                e.ConfigureConsumeTopology = false;
                e.Handler<FetchStationWindow>(context =>
                {
                    var headers = context.ReceiveContext.TransportHeaders;
                    faulted.TrySetResult((headers.Get<int>(MessageHeaders.FaultRetryCount) ?? 0,
                        $"{headers.Get<string>(MessageHeaders.FaultExceptionType)}: {headers.Get<string>(MessageHeaders.FaultMessage)}"));
                    return Task.CompletedTask;
                });
            });
            await errorQueue.Ready;

            await harness.Bus.Publish(new FetchStationWindow
            {
                StationId = Station,
                WindowStart = WindowStart,
                WindowEnd = WindowStart.AddDays(2),
                TimeZone = "UTC",
                RequestedBy = "test",
            }, Ct);

            var result = await faulted.Task.WaitAsync(TimeSpan.FromSeconds(90), Ct);
            return result;
        }
        finally
        {
            await harness.Stop(Ct);
        }
    }

    /// <summary>AirQino answering 200 and then sending nothing more of its body.</summary>
    private sealed class StalledBody : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request, Content = new StreamContent(new Stalled()) });

        private sealed class Stalled : Stream
        {
            public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
                return 0;
            }
            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
                ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => 0; set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }

    /// <summary>AirQino answering every request at once with 429 and a short Retry-After.</summary>
    private sealed class Always429(TimeSpan retryAfter) : HttpMessageHandler
    {
        private int _requests;
        public int Requests => _requests;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.TooManyRequests)
            {
                RequestMessage = request,
                Headers = { RetryAfter = new RetryConditionHeaderValue(retryAfter) },
            });
        }
    }
}
