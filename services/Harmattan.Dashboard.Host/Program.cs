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
    app.MapDefaultEndpoints();
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
