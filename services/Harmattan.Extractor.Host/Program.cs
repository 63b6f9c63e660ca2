using Harmattan.Hosting;
using Harmattan.Extractor;
using Serilog;

ServiceDefaults.CreateBootstrapLogger();
try
{
    var builder = ServiceDefaults.CreateBuilder(args);
    builder.AddServiceDefaults("extractor", defaultPort: 5101);
    builder.Services.AddExtractor(builder.Configuration);
    builder.Services.AddHarmattanBus(builder.Configuration, bus => bus.AddExtractorConsumers());

    var app = builder.Build().ValidateSettings();
    app.MapDefaultEndpoints();
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is not HostAbortedException)
{
    Log.Fatal(ex, "The extractor stopped: {Reason}", ServiceDefaults.StopReason(ex));
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}
