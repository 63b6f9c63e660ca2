using Harmattan.Cli;
using Harmattan.Cli.Commands;
using Harmattan.Cli.Pipeline;
using Harmattan.Storage;
using Harmattan.Tests.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Harmattan.Tests.Cli;

/// <summary>
/// The wait of <c>harmattan backfill</c> on MongoDB (the server <see cref="MongoTestServer"/> finds, reached through a
/// proxy that can stop answering as a frozen server does); skipped without one.
/// </summary>
[Collection(typeof(CliCollection))]
public sealed class BackfillWaitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Mongo_a_store_that_stops_answering_during_the_wait_ends_it_naming_the_store_and_saying_the_same_backfill_resumes()
    {
        var connectionString = await MongoTestServer.RequireAsync();
        using var server = UnansweringMongoServer.InFrontOf(connectionString);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "MongoDb",
            ["ConnectionStrings:MongoDb"] = server.ConnectionString,
            ["Storage:MongoDatabase"] = MongoTestServer.FreshDatabaseName(),
            ["Storage:MongoOperationTimeout"] = "00:00:01",
            ["Storage:MongoWriteConcernTimeout"] = "00:00:00.500",
        }).Build();
        await using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddSingleton(TimeProvider.System)
            .AddSingleton<PipelineFaults>()
            .AddPipelineStoreForReading(configuration)
            .BuildServiceProvider();
        var store = services.GetRequiredService<IPipelineStore>();
        var day = new DateOnly(2024, 3, 1);
        var plan = await BackfillPlan.CreateAsync(store, [new StationDays("283164601", TimeZoneInfo.Utc, day, day.AddDays(2))], false, Ct);
        var output = new StringWriter();
        var console = AnsiConsole.Console;
        CliException failure;
        try
        {
            HarmattanCli.WriteUnwrappedTo(output);
            // The wait polls every second: the first polls are answered, the later ones are not.
            _ = Task.Delay(TimeSpan.FromSeconds(1.5), Ct).ContinueWith(_ => server.StopAnswering(), TaskScheduler.Default);
            failure = await Assert.ThrowsAsync<CliException>(() =>
                BackfillCommand.WaitAsync(services, plan, DateTimeOffset.UtcNow, TimeSpan.FromSeconds(3), sent: 3, Ct));
        }
        finally
        {
            AnsiConsole.Console = console;
        }

        Assert.Equal(CliException.FailureExitCode, failure.ExitCode);
        Assert.StartsWith($"MongoDB at {server.Host} stopped answering while this backfill waited for the days to be stored " +
            $"(MongoDB at {server.Host} did not answer a read of daily_averages within 00:00:01 (Storage:MongoOperationTimeout)", failure.Message);
        Assert.EndsWith("The 3 fetch command(s) already sent go on being processed by the services; run the same backfill again " +
            "to resume: days already stored are skipped.", failure.Message);
        Assert.Contains("reading the progress failed", output.ToString());
    }
}
