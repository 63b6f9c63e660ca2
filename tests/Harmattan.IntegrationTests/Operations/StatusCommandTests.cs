using System.Text;
using Harmattan.Contracts;
using Harmattan.Hosting;
using Harmattan.IntegrationTests.Support;
using Harmattan.Storage.Sqlite;
using RabbitMQ.Client;

namespace Harmattan.IntegrationTests.Operations;

/// <summary><c>harmattan status</c> as a process: a SQLite store seeded through the port, error queues on a real RabbitMQ.</summary>
public sealed class StatusCommandTests : IAsyncLifetime
{
    private const string Fresh = "fresh-1";
    private const string Stale = "stale-1";
    private readonly string _workDir = Directory.CreateTempSubdirectory("harmattan-status-").FullName;
    private RabbitMqVirtualHost? _vhost;

    private string DbPath => Path.Combine(_workDir, "harmattan.db");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _vhost = await RabbitMqVirtualHost.CreateAsync();
        var now = DateTime.UtcNow.Ticks;
        var thisHour = new DateTimeOffset(now - now % TimeSpan.TicksPerHour, TimeSpan.Zero);
        using var store = new SqlitePipelineStore($"Data Source={DbPath}");
        await store.InitializeAsync(Ct);
        // The fresh station's last hour ended at the top of this hour; the stale one's five hours earlier.
        await store.UpsertAveragesAsync([Hours(Fresh, thisHour.AddHours(-1)), Hours(Stale, thisHour.AddHours(-6))], Ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_vhost is not null)
            await _vhost.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }

    [Fact]
    public async Task Status_names_the_stale_station_exits_2_and_shows_the_error_queue_depths()
    {
        await PutInQueueAsync(QueueNames.ErrorQueue(QueueNames.ComputeAverages), messages: 3);
        await PutInQueueAsync(QueueNames.ErrorQueue(QueueNames.StoreAverages), messages: 0);

        var (exit, output) = await StatusAsync(["--station", Fresh, "--station", Stale, "--max-age", "3h"], _vhost!.ConnectionString);

        Assert.Equal(2, exit);
        Assert.Contains($"Station {Fresh} (UTC;", output);
        Assert.Matches($@"STALE: station {Stale}'s data is (5h \d\dm|6h 00m) old, older than --max-age 3h\.", output);
        Assert.DoesNotContain($"STALE: station {Fresh}", output);
        Assert.Contains($"Error queues (RabbitMQ localhost:5672, vhost {_vhost.Name}):", output);
        Assert.Matches(@"compute-averages_error\s+3\n", output);
        Assert.Matches(@"store-averages_error\s+0\n", output);
        Assert.Matches(@"fetch-station-window_error\s+not declared\n", output);
        Assert.Contains("harmattan redrive --queue NAME", output);
    }

    [Fact]
    public async Task Status_of_fresh_stations_exits_0_even_when_rabbitmq_is_unreachable_and_never_prints_its_password()
    {
        var (exit, output) = await StatusAsync(["--station", Fresh, "--max-age", "90m"], "amqp://guest:s3cret-pw@127.0.0.1:1/ops");

        Assert.True(exit == 0, output);
        Assert.Contains("Error queues unknown: RabbitMQ at 127.0.0.1:1, vhost ops could not be reached", output);
        Assert.Contains("OK: every station's data is younger than 1h30m.", output);
        Assert.DoesNotContain("s3cret-pw", output);
    }

    [Fact]
    public async Task With_max_errors_status_exits_2_when_more_messages_wait_in_the_error_queues_or_they_cannot_be_counted()
    {
        await PutInQueueAsync(QueueNames.ErrorQueue(QueueNames.ArchiveRawReadings), messages: 1);

        var (failedExit, failed) = await StatusAsync(["--station", Fresh, "--max-errors", "0"], _vhost!.ConnectionString);
        var (heldExit, held) = await StatusAsync(["--station", Fresh, "--max-errors", "1"], _vhost.ConnectionString);
        var (unknownExit, unknown) = await StatusAsync(["--station", Fresh, "--max-errors", "5"], "amqp://guest:guest@127.0.0.1:1/");
        var (ignoredExit, ignored) = await StatusAsync(["--station", Fresh, "--max-age", "3h"], _vhost.ConnectionString);

        Assert.True(failedExit == 2, failed);
        Assert.Contains("ERRORS: 1 message waits in the error queues, more than --max-errors 0.", failed);
        Assert.True(heldExit == 0, held);
        Assert.Contains("OK: 1 message waits in the error queues, at most --max-errors 1.", held);
        Assert.True(unknownExit == 2, unknown);
        Assert.Contains("ERRORS UNKNOWN: the error queues could not be read (above), so --max-errors 5 is not met.", unknown);
        // Without the option the failed message is listed and leaves the exit code alone.
        Assert.True(ignoredExit == 0, ignored);
        Assert.Matches(@"archive-raw-readings_error\s+1\n", ignored);
    }

    private async Task<(int Exit, string Output)> StatusAsync(string[] arguments, string rabbitMq)
    {
        await using var status = ServiceProcess.StartCli(["status", .. arguments, "--db", DbPath],
            new Dictionary<string, string> { ["ConnectionStrings__RabbitMq"] = rabbitMq });
        var exit = await status.WaitForExitAsync(TimeSpan.FromMinutes(1));
        return (exit, status.Output.Replace("\r", ""));
    }

    private async Task PutInQueueAsync(string queue, int messages)
    {
        var factory = new ConnectionFactory { Uri = new Uri(_vhost!.ConnectionString) };
        await using var connection = await factory.CreateConnectionAsync(Ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: Ct);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: Ct);
        for (var i = 0; i < messages; i++)
            await channel.BasicPublishAsync("", queue, Encoding.UTF8.GetBytes($"failed message {i}"), Ct);
    }

    private static AveragesComputed Hours(string stationId, DateTimeOffset lastHour)
    {
        var day = DateOnly.FromDateTime(lastHour.UtcDateTime);
        var hours = (int)(lastHour - Builders.Midnight(day)).TotalHours + 1;
        return Builders.Averages(stationId, day, hours, Builders.Co(0.4), fetchedAt: lastHour.AddMinutes(65), isComplete: false);
    }
}
