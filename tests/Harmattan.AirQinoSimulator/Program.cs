using System.Globalization;
using Harmattan.AirQinoSimulator;

// dotnet run --project tests/Harmattan.AirQinoSimulator -- --urls http://127.0.0.1:5080 [--data DIR]
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
Console.WriteLine($"  GET {simulator.BaseUrl}/v3/getStationHourlyAvg/{{id}}?start_date={AirQinoSimulatorHost.DateFormat}&end_date={AirQinoSimulatorHost.DateFormat}" +
                  (options.IgnoreDates ? "  (dates ignored: the whole series is served)" : ""));
Console.WriteLine($"  GET {simulator.BaseUrl}/_sim/stats");
if (simulator.Recorded is { } recorded)
    Console.WriteLine($"  recorded responses in {recorded.Directory}: {string.Join(", ", recorded.Files)}");
if (simulator.SyntheticStationIds.Count > 0)
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  synthetic stations (seed {options.Seed}, {options.Days} days up to {simulator.SeriesEnd():yyyy-MM-dd HH:mm}Z): {string.Join(", ", simulator.SyntheticStationIds)}"));
Console.WriteLine($"  faults: {options.Faults}");
if (options.Tokens.RequireToken)
    Console.WriteLine($"  bearer token required: POST {simulator.TokenUrl} (client {options.Tokens.ClientId}, " +
                      $"tokens valid {options.Tokens.AccessTokenLifetime.TotalSeconds:0} s)");
Console.WriteLine("Press Ctrl+C to stop.");
await simulator.WaitForShutdownAsync();
return 0;
