using System.Diagnostics;
using System.Globalization;
using Harmattan.IntegrationTests.Support;
using Harmattan.Storage.Sqlite;

namespace Harmattan.IntegrationTests.Cli;

/// <summary>A backfill sent while no service runs: the user learns at once where it went and that nothing takes it.</summary>
public sealed class BackfillWithoutServicesTests : IAsyncLifetime
{
    private readonly string _workDir = Directory.CreateTempSubdirectory("harmattan-backfill-").FullName;
    private RabbitMqVirtualHost? _vhost;

    private string DbPath => Path.Combine(_workDir, "harmattan.db");

    public async ValueTask InitializeAsync()
    {
        _vhost = await RabbitMqVirtualHost.CreateAsync();
        await new SqlitePipelineStore($"Data Source={DbPath}").InitializeAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_vhost is not null)
            await _vhost.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }

    [Fact]
    public async Task A_backfill_names_the_broker_and_the_store_and_warns_that_no_extractor_consumes_its_commands()
    {
        await using var cli = ServiceProcess.StartCli(
            ["backfill", "--station", "283164601", "--from", "2023-11-01", "--to", "2023-11-07", "--db", DbPath, "--no-wait"],
            new Dictionary<string, string> { ["ConnectionStrings__RabbitMq"] = _vhost!.ConnectionString });
        var exit = await cli.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.True(exit == 0, cli.Output);
        Assert.Contains($"Broker: RabbitMQ localhost:5672, vhost {_vhost.Name}; store: SQLite {DbPath}", cli.Output);
        Assert.Contains("no extractor is consuming fetch-station-window: start the services (see README", cli.Output);
        Assert.DoesNotContain("guest:guest", cli.Output);
    }

    [Fact]
    public async Task Ctrl_C_while_the_commands_are_sent_says_how_far_it_got_and_how_to_finish()
    {
        // 5,844 one-day commands: sending them takes far longer than the second this test waits.
        await using var cli = ServiceProcess.StartCli(
            ["backfill", "--station", "283164601", "--station", "283181971", "--from", "2015-01-01", "--to", "2022-12-31",
                "--chunk-days", "1", "--db", DbPath],
            new Dictionary<string, string> { ["ConnectionStrings__RabbitMq"] = _vhost!.ConnectionString });
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!cli.Output.Contains("Broker: RabbitMQ") && !cli.HasExited && DateTime.UtcNow < deadline)
            await Task.Delay(50, TestContext.Current.CancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);

        using (var interrupt = Process.Start("kill", ["-INT", cli.Id.ToString(CultureInfo.InvariantCulture)]))
            await interrupt.WaitForExitAsync(TestContext.Current.CancellationToken);
        var exit = await cli.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.True(exit == 130, $"exit {exit}:\n{cli.Output}");
        Assert.Matches(@"Stopped (before any fetch command was sent|after sending \d+ of 5844 fetch commands)", cli.Output);
        Assert.Contains("run the same command again", cli.Output);
        Assert.DoesNotContain("error:", cli.Output);
    }
}
