using System.CommandLine;
using Harmattan.Cli.Commands;

var root = new RootCommand("harmattan: extract AirQino air-quality readings, compute hourly and daily averages, store them.")
{
    RunCommand.Create(),
    BackfillCommand.Create(),
    TriggerCommand.Create(),
    StatusCommand.Create(),
    ExportCommand.Create(),
    ReplayCommand.Create(),
    RedriveCommand.Create(),
    ArchiveCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
