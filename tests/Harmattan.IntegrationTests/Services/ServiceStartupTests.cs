using System.Text.RegularExpressions;
using Harmattan.Hosting;
using Harmattan.IntegrationTests.Support;
using MassTransit;

namespace Harmattan.IntegrationTests.Services;

/// <summary>The services as an operator starts them: configuration errors, health, queue declarations.</summary>
public sealed class ServiceStartupTests
{
    [Fact]
    public async Task A_service_with_a_bad_setting_stops_at_start_naming_the_key()
    {
        await using var extractor = ServiceProcess.StartService("Extractor", new Dictionary<string, string>
        {
            ["AirQino__BaseUrl"] = "not a url",
        });

        var exit = await extractor.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exit);
        Assert.Contains("AirQino:BaseUrl", extractor.Output);
    }

    [Theory]
    [InlineData("Loader", "Archive__KeepAllDays", "-1", "Archive:KeepAllDays must be between 0 and 36500 days")]
    [InlineData("Extractor", "Schedule__Cron", "61 * * * *", "Schedule:Cron '61 * * * *' is not a valid five-field cron expression")]
    [InlineData("Loader", "Archive__PruneCron", "30 3 31 4 *", "Archive:PruneCron '30 3 31 4 *' never occurs")]
    [InlineData("Loader", "Stations__0__TimeZon", "Europe/Rome", "Stations:0:TimeZon is not a setting (environment variable Stations__0__TimeZon): did you mean Stations:0:TimeZone?")]
    [InlineData("Transformer", "Bus__Transport", "InMemory", "Bus:Transport 'InMemory' joins only services that run in one process (harmattan run)")]
    public async Task A_setting_checked_at_start_stops_the_service_with_one_line_naming_it(string service, string key, string value,
        string expected)
    {
        using var database = new TemporarySqliteDatabase("bad-setting");
        await using var process = ServiceProcess.StartService(service, new Dictionary<string, string>
        {
            ["Storage__Provider"] = "Sqlite",
            ["ConnectionStrings__Sqlite"] = database.ConnectionString,
            [key] = value,
        });

        Assert.Equal(1, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var problems = process.Output.Split('\n').Where(line => line.Contains("\"@l\":\"Fatal\"") || line.Contains("\"@l\":\"Error\"")
                                                              || line.Contains("\"@l\":\"Warning\"")).ToList();
        Assert.Contains(expected, Assert.Single(problems));
        Assert.DoesNotContain("Hosting failed to start", process.Output);
    }

    [Fact]
    public async Task A_loader_given_a_folder_as_its_sqlite_store_stops_naming_it_rather_than_take_messages_it_cannot_store()
    {
        var folder = Directory.CreateTempSubdirectory("harmattan-store-folder-").FullName;
        try
        {
            await using var process = ServiceProcess.StartService("Loader", new Dictionary<string, string>
            {
                ["Storage__Provider"] = "Sqlite",
                ["ConnectionStrings__Sqlite"] = $"Data Source={folder}",
                ["ConnectionStrings__RabbitMq"] = "amqp://guest:guest@127.0.0.1:9/",
                ["Bus__StartTimeout"] = "00:00:05",
            });

            Assert.Equal(1, await process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            var fatal = Assert.Single(process.Output.Split('\n'), line => line.Contains("\"@l\":\"Fatal\""));
            Assert.Contains($"{folder} is a folder: name the store's file, e.g. {Path.Combine(folder, "harmattan.db")}", fatal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("Extractor")]
    [InlineData("Loader")]
    public async Task A_service_that_cannot_reach_the_broker_stops_with_one_fatal_line_naming_it(string service)
    {
        using var database = new TemporarySqliteDatabase("startup");
        await using var process = ServiceProcess.StartService(service, new Dictionary<string, string>
        {
            ["ConnectionStrings__RabbitMq"] = "amqp://guest:guest@127.0.0.1:9/",
            ["Bus__StartTimeout"] = "00:00:05",
            ["Storage__Provider"] = "Sqlite",
            ["ConnectionStrings__Sqlite"] = database.ConnectionString,
        });

        var exit = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exit);
        // The schedules and timers stopped with the host are not failures of their own.
        var fatal = Assert.Single(process.Output.Split('\n'), line => line.Contains("\"@l\":\"Fatal\""));
        Assert.Contains("Broker unreachable", fatal);
        Assert.DoesNotContain("BackgroundService failed", process.Output);
    }

    [Fact]
    public async Task Bus_PrefetchCount_sets_the_prefetch_of_the_extractor_and_the_transformer_and_the_loader_keeps_its_batch_size()
    {
        await using var vhost = await RabbitMqVirtualHost.CreateAsync();
        using var database = new TemporarySqliteDatabase("prefetch");
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__RabbitMq"] = vhost.ConnectionString,
            ["Bus__PrefetchCount"] = "3",
            ["Loader__BatchSize"] = "6",
            ["Storage__Provider"] = "Sqlite",
            ["ConnectionStrings__Sqlite"] = database.ConnectionString,
        };
        await WithTheThreeServicesReadyAsync(environment, async () =>
        {
            var consumers = await RabbitMqVirtualHost.RabbitMqCtlAsync("list_consumers", "-q", "-p", vhost.Name, "queue_name", "prefetch_count");
            Assert.Matches($@"(?m)^{QueueNames.FetchStationWindow}\s+3\s*$", consumers);
            Assert.Matches($@"(?m)^{QueueNames.ComputeAverages}\s+3\s*$", consumers);
            Assert.Matches($@"(?m)^{QueueNames.ArchiveRawReadings}\s+6\s*$", consumers);
            Assert.Matches($@"(?m)^{QueueNames.StoreAverages}\s+6\s*$", consumers);
        });
    }

    [Fact]
    public async Task With_quorum_queues_every_service_queue_and_its_error_queue_is_declared_as_a_quorum_queue()
    {
        await using var vhost = await RabbitMqVirtualHost.CreateAsync();
        using var database = new TemporarySqliteDatabase("quorum");
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__RabbitMq"] = vhost.ConnectionString,
            ["Bus__QuorumQueues"] = "true",
            ["Storage__Provider"] = "Sqlite",
            ["ConnectionStrings__Sqlite"] = database.ConnectionString,
        };
        await WithTheThreeServicesReadyAsync(environment, async () =>
        {
            var queues = await RabbitMqVirtualHost.RabbitMqCtlAsync("list_queues", "-q", "-p", vhost.Name, "name", "type");
            foreach (var queue in QueueNames.All)
            {
                Assert.Matches($@"(?m)^{queue}\s+quorum\s*$", queues);
                // Declared at start, not at the first failure: a dead-letter policy's target must exist (deploy/README.md).
                Assert.Matches($@"(?m)^{QueueNames.ErrorQueue(queue)}\s+quorum\s*$", queues);
            }

            // The CLI's own temporary queue stays classic, and its commands reach the quorum queue.
            await using var backfill = ServiceProcess.StartCli(
                ["backfill", "--station", "283164601", "--from", "2024-01-01", "--to", "2024-01-01", "--no-wait"], environment);
            Assert.True(await backfill.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 0, backfill.Output);

            // MassTransit declares an error queue again when a first message fails there, with its endpoint's type: the
            // same as the services' own declaration (a classic one left from before the switch would refuse it, which
            // is why the README's steps for the switch delete them).
            var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(new Uri(vhost.ConnectionString)));
            await bus.StartAsync(TestContext.Current.CancellationToken);
            try
            {
                await bus.Publish(Builders.RawFetch("../not-a-station", new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero)),
                    TestContext.Current.CancellationToken);
            }
            finally
            {
                await bus.StopAsync(CancellationToken.None);
            }
            var errorQueue = QueueNames.ErrorQueue(QueueNames.ComputeAverages);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!Regex.IsMatch(queues = await RabbitMqVirtualHost.RabbitMqCtlAsync("list_queues", "-q", "-p", vhost.Name, "name", "type", "messages"),
                       $@"(?m)^{errorQueue}\s+quorum\s+1\s*$") && DateTime.UtcNow < deadline)
                await Task.Delay(500, TestContext.Current.CancellationToken);
            Assert.Matches($@"(?m)^{errorQueue}\s+quorum\s+1\s*$", queues);
        });
    }

    private static async Task WithTheThreeServicesReadyAsync(Dictionary<string, string> environment, Func<Task> check)
    {
        await using var services = await PipelineServices.StartAsync(environment, TimeSpan.FromSeconds(90));
        await check();
    }
}
