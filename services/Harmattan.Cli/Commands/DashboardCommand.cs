using System.CommandLine;
using Microsoft.AspNetCore.HostFiltering;
using Harmattan.Cli.Pipeline;
using Harmattan.Dashboard;
using Harmattan.Storage;

namespace Harmattan.Cli.Commands;

/// <summary>
/// <c>harmattan dashboard</c>: the dashboard's page and API on localhost, reading the store as every command does (the
/// SQLite store that <c>harmattan run</c> writes by default, <c>--mongo</c> or the environment's MongoDB store). Only
/// reads: it neither creates the file nor its tables.
/// </summary>
public static class DashboardCommand
{
    public const int DefaultPort = 5104;

    public static Command Create()
    {
        var db = CommonOptions.Db();
        var mongo = CommonOptions.Mongo(db);
        var port = CommonOptions.WholeNumber("--port", $"Port to listen on at http://localhost (default {DefaultPort}).", 1, 65535,
            $"use a TCP port from 1 to 65535, e.g. --port {DefaultPort}");
        var command = new Command("dashboard", "Serve the dashboard of the stored averages on http://localhost (read only).")
        {
            db, mongo, port,
        };
        command.SetAction((result, cancellationToken) =>
            RunAsync(result.GetValue(db), result.GetValue(mongo), result.GetValue(port) ?? DefaultPort, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo? db, string? mongo, int port, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        CliHost.Configure(builder, CommonOptions.StoreDefaults, CliHost.Overrides(CommonOptions.StoreOverrides(db, mongo)));
        StoreLocation.RequireExisting(builder.Configuration);

        builder.WebHost.UseUrls($"http://localhost:{port}");
        // A page of another site whose name is made to lead to 127.0.0.1 (DNS rebinding) reaches this port as the user's
        // browser: its requests name that site, and are refused.
        builder.Services.Configure<HostFilteringOptions>(options => options.AllowedHosts = ["localhost", "127.0.0.1", "[::1]"]);
        builder.Services.AddPipelineStoreForReading(builder.Configuration);
        builder.Services.AddDashboard(builder.Configuration);
        await using var app = builder.Build();
        // A file that is no SQLite store (a CSV given as --db by mistake) is refused before the page is served.
        await StoreLocation.OpenForReadingAsync(app.Services.GetRequiredService<IPipelineStore>(), cancellationToken);
        app.MapDashboard();
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException ex) when (ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            await Console.Error.WriteLineAsync($"Port {port} is already in use on localhost: choose another with --port N.");
            return 1;
        }

        Console.WriteLine($"Dashboard of {StoreLocation.Describe(builder.Configuration)} at {app.Urls.First()}/ (Ctrl-C to stop)");
        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }
}
