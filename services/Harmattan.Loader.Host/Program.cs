using Harmattan.Hosting;
using Harmattan.Loader;
using Serilog;

ServiceDefaults.CreateBootstrapLogger();
try
{
    var builder = ServiceDefaults.CreateBuilder(args);
    builder.AddServiceDefaults("loader", defaultPort: 5103);
    builder.Services.AddLoader(builder.Configuration);
    builder.Services.AddHarmattanBus(builder.Configuration, bus => bus.AddLoaderConsumers());

    var app = builder.Build().ValidateSettings();
    app.MapDefaultEndpoints();
    // Resolved before the run: the services are disposed once it ends.
    var storeSchema = app.Services.GetRequiredService<StoreSchemaWatch>();
    await app.RunAsync();
    // Stopped by a store a newer version upgraded while it ran: the watch logged why.
    return storeSchema.Refusal is null ? 0 : StoreSchemaWatch.StoppedExitCode;
}
catch (Exception ex) when (ex is not HostAbortedException)
{
    Log.Fatal(ex, "The loader stopped: {Reason}", ServiceDefaults.StopReason(ex));
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}
