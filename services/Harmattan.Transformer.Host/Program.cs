using Harmattan.Hosting;
using Harmattan.Transformer;
using Serilog;

ServiceDefaults.CreateBootstrapLogger();
try
{
    var builder = ServiceDefaults.CreateBuilder(args);
    builder.AddServiceDefaults("transformer", defaultPort: 5102);
    builder.Services.AddTransformer(builder.Configuration);
    builder.Services.AddHarmattanBus(builder.Configuration, bus => bus.AddTransformerConsumers());

    var app = builder.Build().ValidateSettings();
    app.MapDefaultEndpoints();
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is not HostAbortedException)
{
    Log.Fatal(ex, "The transformer stopped: {Reason}", ServiceDefaults.StopReason(ex));
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}
