using Harmattan.AirQinoSimulator;

// dotnet run --project services/Harmattan.AirQinoSimulator.Host -- --urls http://127.0.0.1:5080 [--data DIR]
//   [--synthetic-stations N --days D --seed S] [--station ID]... [--now 2023-12-10T00:00Z] [--ignore-dates]
//   [--fail-rate R] [--throttle-rate R] [--truncate-rate R] [--delay-ms MS] [--require-token --token-lifetime S]
SimulatorOptions? options;
try
{
    options = SimulatorCommandLine.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(SimulatorCommandLine.Usage);
    return 2;
}
if (options is null)
{
    Console.WriteLine(SimulatorCommandLine.Usage);
    return 0;
}

AirQinoSimulatorHost simulator;
try
{
    simulator = await AirQinoSimulatorHost.StartAsync(options);
}
catch (DirectoryNotFoundException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}
await using var running = simulator;
Console.WriteLine($"AirQino simulator listening on {simulator.BaseUrl}");
Console.WriteLine($"  GET {simulator.BaseUrl}/v3/getStationHourlyAvg/{{id}}?start_date={AirQinoSimulatorHost.DateFormat}&end_date={AirQinoSimulatorHost.DateFormat}");
Console.WriteLine($"  GET {simulator.BaseUrl}/ (what it serves), {simulator.BaseUrl}/_sim/stats, {simulator.BaseUrl}/health/ready");
foreach (var line in simulator.Describe())
    Console.WriteLine($"  {line}");
Console.WriteLine("Press Ctrl+C to stop.");
await simulator.WaitForShutdownAsync();
return 0;
