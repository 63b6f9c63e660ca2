using Harmattan.Cli;
using Harmattan.Cli.Commands;
using Harmattan.Cli.Pipeline;
using Harmattan.Contracts;
using Harmattan.Storage;
using Harmattan.Storage.Sqlite;
using Harmattan.Tests.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using static Harmattan.Tests.Cli.CliStoreSeed;

namespace Harmattan.Tests.Cli;

/// <summary>
/// The wait of <c>harmattan backfill</c>: its summary, and on MongoDB (the server <see cref="MongoTestServer"/> finds,
/// reached through a proxy that can stop answering as a frozen server does; skipped without one) a store that freezes.
/// </summary>
[Collection(typeof(CliCollection))]
public sealed class BackfillWaitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_summary_names_the_stations_and_days_the_source_sent_no_row_for()
    {
        var path = Path.Combine(Path.GetTempPath(), $"harmattan-backfill-wait-{Guid.NewGuid():N}.db");
        try
        {
            var first = new DateOnly(2024, 3, 1);
            var fetchedAt = new DateTimeOffset(2024, 4, 1, 0, 0, 0, TimeSpan.Zero);
            AveragesComputed Silent(string station, DateOnly date) =>
                Builders.Averages(station, date, hoursCovered: 0, new Dictionary<string, QuantityStats>(), fetchedAt);
            using (var seed = new SqlitePipelineStore($"Data Source={path}"))
            {
                await seed.InitializeAsync(Ct);
                await seed.UpsertAveragesAsync(
                [
                    Day("900000001", first, 24, fetchedAt), Silent("900000001", first.AddDays(1)), Silent("900000001", first.AddDays(2)),
                    Silent("900000001", first.AddDays(3)), Silent("900000002", first), Day("900000002", first.AddDays(1), 24, fetchedAt),
                    Day("900000002", first.AddDays(2), 24, fetchedAt), Day("900000002", first.AddDays(3), 24, fetchedAt),
                ], Ct);
            }
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Storage:Provider"] = "Sqlite",
                ["ConnectionStrings:Sqlite"] = $"Data Source={path}",
            }).Build();
            await using var services = new ServiceCollection()
                .AddSingleton<IConfiguration>(configuration)
                .AddLogging()
                .AddSingleton(TimeProvider.System)
                .AddSingleton<PipelineFaults>()
                .AddPipelineStoreForReading(configuration)
                .BuildServiceProvider();
            var store = services.GetRequiredService<IPipelineStore>();
            var plan = await BackfillPlan.CreateAsync(store,
                [new StationDays("900000001", TimeZoneInfo.Utc, first, first.AddDays(3)), new StationDays("900000002", TimeZoneInfo.Utc, first, first.AddDays(3))],
                false, FetchTimeOrder.Now(TimeProvider.System), Ct);
            var output = new StringWriter();
            var console = AnsiConsole.Console;
            try
            {
                HarmattanCli.WriteUnwrappedTo(output);
                Assert.Equal(0, await BackfillCommand.WaitAsync(services, plan, DateTimeOffset.UtcNow, TimeSpan.FromSeconds(10), sent: 0, Ct));
            }
            finally
            {
                AnsiConsole.Console = console;
            }

            Assert.Contains("missing at the source 4.", output.ToString());
            Assert.Contains("Missing at the source (AirQino sent no row for the day): station 900000001 2024-03-02..2024-03-04 (3 days); " +
                "station 900000002 2024-03-01.", output.ToString());
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            TemporarySqliteDatabase.Delete(path);
        }
    }

    [Fact]
    public void A_station_with_many_gaps_at_the_source_names_its_first_five_and_counts_the_rest()
    {
        var first = new DateOnly(2026, 1, 1);
        var gaps = Enumerable.Range(0, 8).Select(i => new StationDays("900000011", TimeZoneInfo.Utc, first.AddDays(10 * i), first.AddDays(10 * i + i % 2)));

        Assert.Equal("station 900000011 2026-01-01, 2026-01-11..2026-01-12 (2 days), 2026-01-21, 2026-01-31..2026-02-01 (2 days), 2026-02-10 " +
            "and 5 more day(s) up to 2026-03-13; station 900000012 2026-01-05",
            BackfillCommand.MissingAtSourceByStation([.. gaps, new StationDays("900000012", TimeZoneInfo.Utc, first.AddDays(4), first.AddDays(4))]));
    }

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
        var plan = await BackfillPlan.CreateAsync(store, [new StationDays("283164601", TimeZoneInfo.Utc, day, day.AddDays(2))], false, FetchTimeOrder.Now(TimeProvider.System), Ct);
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
