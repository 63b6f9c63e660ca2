using Harmattan.AirQinoSimulator;
using Harmattan.Contracts;
using Harmattan.Extractor;
using Harmattan.Hosting;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Harmattan.Tests.Extractor;

/// <summary>
/// The fetch endpoint's retry policy (FetchStationWindowConsumerDefinition) with the real AirQino client against an
/// in-process simulator: HTTP retries and bus retries never multiply each other.
/// </summary>
public class FetchRetryPolicyTests
{
    private static readonly DateTimeOffset SeriesEnd = new(2023, 12, 10, 5, 0, 0, TimeSpan.Zero);
    private static readonly string Station = SyntheticAirQino.StationId(0);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static FetchStationWindow Command(string timeZone = "UTC") => new()
    {
        StationId = Station,
        WindowStart = new DateTimeOffset(2023, 12, 1, 0, 0, 0, TimeSpan.Zero),
        WindowEnd = new DateTimeOffset(2023, 12, 3, 0, 0, 0, TimeSpan.Zero),
        TimeZone = timeZone,
        RequestedBy = "test",
    };

    /// <summary>
    /// Sends one command with short bus retry intervals and returns how many times the bus retried it before it landed
    /// in the error queue (MassTransit's <c>MT-Fault-RetryCount</c> header).
    /// </summary>
    private static async Task<int> BusRetries(AirQinoSimulatorHost simulator, FetchStationWindow command)
    {
        var settings = ExtractorTestServices.Settings(simulator.BaseUrl);
        settings["Bus:RetryMinInterval"] = "00:00:00.010";
        settings["Bus:RetryMaxInterval"] = "00:00:00.050";
        await using var services = ExtractorTestServices.Build(settings, s =>
        {
            s.AddValidatedOptions<BusOptions>(BusOptions.Section);
            s.AddHarmattanTestHarness(x => x.AddConsumer<FetchStationWindowConsumer, FetchStationWindowConsumerDefinition>());
        });
        var harness = services.GetRequiredService<ITestHarness>();
        await harness.Start();
        try
        {
            var retries = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            var errorQueue = harness.Bus.ConnectReceiveEndpoint(QueueNames.ErrorQueue(QueueNames.FetchStationWindow), e =>
            {
                e.ConfigureConsumeTopology = false;
                e.Handler<FetchStationWindow>(context =>
                {
                    // MassTransit leaves the header out when the message was not retried.
                    retries.TrySetResult(context.ReceiveContext.TransportHeaders.Get<int>(MessageHeaders.FaultRetryCount) ?? 0);
                    return Task.CompletedTask;
                });
            });
            await errorQueue.Ready;

            await harness.Bus.Publish(command, Ct);

            var count = await retries.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
            Assert.False(await harness.Published.Any<RawReadingsFetched>(Ct));
            return count;
        }
        finally
        {
            await harness.Stop(Ct);
        }
    }

    private static Task<AirQinoSimulatorHost> StartSimulator() =>
        AirQinoSimulatorHost.StartAsync(new SimulatorOptions { SyntheticStations = 1, Days = 30, Seed = 3, Now = SeriesEnd, IgnoreDates = true }, Ct);

    [Fact]
    public async Task Under_a_storm_of_429s_one_command_makes_at_most_five_requests_then_goes_to_the_error_queue()
    {
        await using var simulator = await StartSimulator();
        simulator.Faults.ThrottleRate = 1;
        simulator.Faults.RetryAfterSeconds = 1;

        var busRetries = await BusRetries(simulator, Command());

        // The README's figure: AirQino:RetryAttempts (4 by default) + 1, spaced by Retry-After, and no bus retry on top.
        Assert.Equal(0, busRetries);
        Assert.Equal(5, simulator.Stats.Count(Station, 429));
        Assert.Equal(5, simulator.Stats.Requests(Station));
    }

    [Fact]
    public async Task A_truncated_body_is_not_retried_by_the_HTTP_client_so_the_bus_asks_again_once_per_retry()
    {
        await using var simulator = await StartSimulator();
        simulator.Faults.TruncateRate = 1;

        var busRetries = await BusRetries(simulator, Command());

        Assert.Equal(new BusOptions().RetryLimit, busRetries);
        Assert.Equal(busRetries + 1, simulator.Stats.Requests(Station));
    }

    [Fact]
    public async Task An_invalid_command_goes_to_the_error_queue_without_a_retry_or_a_request()
    {
        await using var simulator = await StartSimulator();

        var busRetries = await BusRetries(simulator, Command(timeZone: "Mars/Olympus_Mons"));

        Assert.Equal(0, busRetries);
        Assert.Equal(0, simulator.Stats.Total);
    }
}
