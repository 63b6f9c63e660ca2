using Harmattan.Cli.Commands;
using Harmattan.Cli.Operations;
using Harmattan.Cli.Pipeline;
using Harmattan.Contracts;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Harmattan.Tests.Cli;

/// <summary>
/// The failures that end a replay's or a backfill's wait: those of the messages it sent, not those of the hourly
/// schedule or another station running meanwhile.
/// </summary>
public sealed class WatchedFaultsTests
{
    private const string Station = "283164601";
    private static readonly DateTimeOffset September1 = Builders.Midnight(new DateOnly(2026, 9, 1));
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The schedule's fetch of today fails (AirQino unreachable).</summary>
    private static readonly FetchStationWindow ScheduledToday = new()
    {
        StationId = Station, WindowStart = September1.AddDays(91), WindowEnd = September1.AddDays(93), RequestedBy = "schedule",
    };

    [Fact]
    public async Task Only_the_failures_of_the_replayed_fetches_are_recorded()
    {
        var progress = new ReplayProgress();
        var replayed = Builders.RawFetch(Station, September1, days: 3);
        var notReplayed = Builders.RawFetch(Station, September1.AddDays(91), days: 2);
        progress.Expect([replayed.FetchId]);

        var faults = await RecordAsync(faults => ReplayCommand.WatchOnlyReplayed(faults, progress),
            new Fault(ScheduledToday), new Fault(notReplayed), new Fault(replayed));

        var fault = Assert.Single(faults);
        Assert.Equal(replayed.FetchId, fault.FetchId);
        Assert.Equal("compute-averages_error", fault.ErrorQueue);
    }

    [Fact]
    public async Task Only_the_failures_within_the_windows_the_backfill_sent_are_recorded()
    {
        var ours = Builders.Averages(Station, new DateOnly(2026, 9, 3), days: 2);
        var otherStation = Builders.RawFetch("283181971", September1, days: 7);

        var faults = await RecordAsync(faults => BackfillCommand.WatchOnlySent(faults).Enqueue(new FetchStationWindow
            {
                StationId = Station, WindowStart = September1, WindowEnd = September1.AddDays(7), RequestedBy = "backfill",
            }),
            new Fault(ScheduledToday), new Fault(otherStation), new Fault(ours));

        var fault = Assert.Single(faults);
        Assert.Equal(ours.SourceFetchId, fault.FetchId);
        Assert.Equal("store-averages_error", fault.ErrorQueue);
    }

    /// <summary>A message that failed for good, as MassTransit publishes its fault.</summary>
    private sealed record Fault(object Message);

    private static async Task<IReadOnlyList<PipelineFault>> RecordAsync(Action<PipelineFaults> watch, params Fault[] published)
    {
        await using var provider = new ServiceCollection()
            .AddSingleton<PipelineFaults>()
            .AddHarmattanTestHarness(bus => bus.AddConsumer<PipelineFaultConsumer>())
            .BuildServiceProvider(true);
        var faults = provider.GetRequiredService<PipelineFaults>();
        watch(faults);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        var consumer = harness.GetConsumerHarness<PipelineFaultConsumer>();
        foreach (var fault in published)
        {
            switch (fault.Message)
            {
                case FetchStationWindow command:
                    await harness.Bus.Publish<Fault<FetchStationWindow>>(new { Message = command, Exceptions = Array.Empty<ExceptionInfo>() }, Ct);
                    Assert.True(await consumer.Consumed.Any<Fault<FetchStationWindow>>(x => x.Context.Message.Message == command, Ct));
                    break;
                case RawReadingsFetched fetch:
                    await harness.Bus.Publish<Fault<RawReadingsFetched>>(new { Message = fetch, Exceptions = Array.Empty<ExceptionInfo>() }, Ct);
                    Assert.True(await consumer.Consumed.Any<Fault<RawReadingsFetched>>(x => x.Context.Message.Message.FetchId == fetch.FetchId, Ct));
                    break;
                case AveragesComputed averages:
                    await harness.Bus.Publish<Fault<AveragesComputed>>(new { Message = averages, Exceptions = Array.Empty<ExceptionInfo>() }, Ct);
                    Assert.True(await consumer.Consumed.Any<Fault<AveragesComputed>>(x => x.Context.Message.Message.SourceFetchId == averages.SourceFetchId, Ct));
                    break;
            }
        }
        return faults.All;
    }
}
