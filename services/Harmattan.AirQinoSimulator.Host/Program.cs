using System.CommandLine;
using System.CommandLine.Help;
using Harmattan.AirQinoSimulator;

// dotnet run --project services/Harmattan.AirQinoSimulator.Host -- --help
var parsed = SimulatorCommandLine.Create(ServeAsync).Parse(args, SimulatorCommandLine.Parsing);
if (parsed.Errors.Count > 0 && parsed.Action is not HelpAction)
{
    foreach (var error in parsed.Errors.Select(e => e.Message).Distinct())
        Console.Error.WriteLine($"error: {error}");
    Console.Error.WriteLine("see 'Harmattan.AirQinoSimulator.Host --help'");
    return 2;
}
// The web host drains the answers in flight when stopped (Ctrl-C, SIGTERM): not cut short after System.CommandLine's 2 s.
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

static async Task<int> ServeAsync(SimulatorOptions options, CancellationToken cancellationToken)
{
    AirQinoSimulatorHost simulator;
    try
    {
        simulator = await AirQinoSimulatorHost.StartAsync(options, cancellationToken);
    }
    catch (DirectoryNotFoundException ex)
    {
        Console.Error.WriteLine($"error: {ex.Message}");
        return 2;
    }
    await using var running = simulator;
    Console.WriteLine($"AirQino simulator listening on {simulator.BaseUrl}");
    Console.WriteLine($"  GET {simulator.BaseUrl}/v3/getStationHourlyAvg/{{id}}?start_date={AirQinoSimulatorHost.DateFormat}&end_date={AirQinoSimulatorHost.DateFormat}");
    Console.WriteLine($"  GET {simulator.BaseUrl}/ (what it serves), {simulator.BaseUrl}/_sim/stats, {simulator.BaseUrl}/health/ready");
    foreach (var line in simulator.Describe())
        Console.WriteLine($"  {line}");
    Console.WriteLine("Press Ctrl+C to stop.");
    await simulator.WaitForShutdownAsync(cancellationToken);
    return 0;
}
