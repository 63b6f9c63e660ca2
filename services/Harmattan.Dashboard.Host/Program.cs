using Harmattan.Dashboard;
using Harmattan.Hosting;
using Harmattan.Storage;
using Serilog;

ServiceDefaults.CreateBootstrapLogger();
try
{
    var builder = ServiceDefaults.CreateBuilder(args);
    builder.AddServiceDefaults("dashboard", defaultPort: 5104);
    builder.Services.AddDashboard(builder.Configuration);
    builder.Services.AddPipelineStoreForReading(builder.Configuration);

    var app = builder.Build().ValidateSettings();
    // Its port is the one an ingress publishes: readiness says which check fails, not the store's file or hosts.
    app.MapDefaultEndpoints(describeChecks: false);
    app.MapDashboard();
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is not HostAbortedException)
{
    Log.Fatal(ex, "The dashboard stopped: {Reason}", ServiceDefaults.StopReason(ex));
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}
