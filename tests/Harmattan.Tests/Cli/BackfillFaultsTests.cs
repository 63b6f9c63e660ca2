using Harmattan.Cli.Commands;
using Harmattan.Cli.Pipeline;
using Harmattan.Contracts;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Harmattan.Tests.Cli;

/// <summary>The failures that end a backfill's wait: those within the windows it sent, not the hourly schedule's.</summary>
public sealed class BackfillFaultsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Only_the_failures_within_the_windows_the_backfill_sent_are_recorded()
    {
        await using var provider = new ServiceCollection()
            .AddSingleton<PipelineFaults>()
            .AddHarmattanTestHarness(bus => bus.AddConsumer<PipelineFaultConsumer>())
            .BuildServiceProvider(true);
        var faults = provider.GetRequiredService<PipelineFaults>();
        var sent = BackfillCommand.WatchOnlySent(faults);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        var day = Builders.Midnight(new DateOnly(2026, 9, 1));
        sent.Enqueue(new FetchStationWindow { StationId = "283164601", WindowStart = day, WindowEnd = day.AddDays(7), RequestedBy = "backfill" });
        var ours = Builders.Averages("283164601", new DateOnly(2026, 9, 3), days: 2);
        var schedule = new FetchStationWindow { StationId = "283164601", WindowStart = day.AddDays(91), WindowEnd = day.AddDays(93), RequestedBy = "schedule" };
        var otherStation = Builders.RawFetch("283181971", day, days: 7);

        // The schedule's fetch of today fails (AirQino unreachable), and so does another station's fetch of the same week.
        await harness.Bus.Publish<Fault<FetchStationWindow>>(new { Message = schedule, Exceptions = Array.Empty<ExceptionInfo>() }, Ct);
        await harness.Bus.Publish<Fault<RawReadingsFetched>>(new { Message = otherStation, Exceptions = Array.Empty<ExceptionInfo>() }, Ct);
        await harness.Bus.Publish<Fault<AveragesComputed>>(new { Message = ours, Exceptions = Array.Empty<ExceptionInfo>() }, Ct);
        var consumer = harness.GetConsumerHarness<PipelineFaultConsumer>();
        Assert.True(await consumer.Consumed.Any<Fault<FetchStationWindow>>(Ct));
        Assert.True(await consumer.Consumed.Any<Fault<RawReadingsFetched>>(Ct));
        Assert.True(await consumer.Consumed.Any<Fault<AveragesComputed>>(Ct));

        var fault = Assert.Single(faults.All);
        Assert.Equal(ours.SourceFetchId, fault.FetchId);
        Assert.Equal("store-averages_error", fault.ErrorQueue);
    }
}
