using System.CommandLine;
using System.CommandLine.Help;
using Harmattan.AirQinoSimulator;

// dotnet run --project services/Harmattan.AirQinoSimulator.Host -- --help
var parsed = SimulatorCommandLine.Create((options, cancellationToken) =>
    SimulatorCommandLine.ServeAsync(options, Console.Out, Console.Error, cancellationToken)).Parse(args, SimulatorCommandLine.Parsing);
if (parsed.Errors.Count > 0 && parsed.Action is not HelpAction)
{
    foreach (var error in parsed.Errors.Select(e => e.Message).Distinct())
        Console.Error.WriteLine($"error: {error}");
    Console.Error.WriteLine("see 'Harmattan.AirQinoSimulator.Host --help'");
    return 2;
}
// The web host drains the answers in flight when stopped (Ctrl-C, SIGTERM): not cut short after System.CommandLine's 2 s.
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
