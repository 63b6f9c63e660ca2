using Harmattan.Cli.Commands;
using Harmattan.Cli.Operations;
using Harmattan.Cli.Pipeline;
using Harmattan.Contracts;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Harmattan.Tests.Cli;

/// <summary>The failures that end a replay's wait: those of the fetches it re-sent, not the hourly schedule's.</summary>
public sealed class ReplayFaultsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Only_the_failures_of_the_replayed_fetches_are_recorded()
    {
        await using var provider = new ServiceCollection()
            .AddSingleton<PipelineFaults>()
            .AddSingleton<ReplayProgress>()
            .AddHarmattanTestHarness(bus => bus.AddConsumer<PipelineFaultConsumer>())
            .BuildServiceProvider(true);
        var faults = provider.GetRequiredService<PipelineFaults>();
        var progress = provider.GetRequiredService<ReplayProgress>();
        ReplayCommand.WatchOnlyReplayed(faults, progress);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        var day = Builders.Midnight(new DateOnly(2026, 9, 1));
        var replayed = Builders.RawFetch("283164601", day, days: 3);
        var other = Builders.RawFetch("283164601", day.AddDays(91), days: 2);
        progress.Expect([replayed.FetchId]);

        // The schedule's fetch of today fails (AirQino unreachable), as do the averages of a fetch not replayed.
        await harness.Bus.Publish<Fault<FetchStationWindow>>(new
        {
            Message = new FetchStationWindow { StationId = "283164601", WindowStart = other.WindowStart, WindowEnd = other.WindowEnd },
            Exceptions = Array.Empty<ExceptionInfo>(),
        }, Ct);
        await harness.Bus.Publish<Fault<RawReadingsFetched>>(new { Message = other, Exceptions = Array.Empty<ExceptionInfo>() }, Ct);
        await harness.Bus.Publish<Fault<RawReadingsFetched>>(new { Message = replayed, Exceptions = Array.Empty<ExceptionInfo>() }, Ct);
        var consumer = harness.GetConsumerHarness<PipelineFaultConsumer>();
        Assert.True(await consumer.Consumed.Any<Fault<RawReadingsFetched>>(x => x.Context.Message.Message.FetchId == replayed.FetchId, Ct));
        Assert.True(await consumer.Consumed.Any<Fault<RawReadingsFetched>>(x => x.Context.Message.Message.FetchId == other.FetchId, Ct));
        Assert.True(await consumer.Consumed.Any<Fault<FetchStationWindow>>(Ct));

        var fault = Assert.Single(faults.All);
        Assert.Equal(replayed.FetchId, fault.FetchId);
        Assert.Equal("compute-averages_error", fault.ErrorQueue);
    }
}
