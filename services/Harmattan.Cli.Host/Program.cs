using Harmattan.Cli;

if (Console.IsOutputRedirected)
    HarmattanCli.WriteUnwrappedTo(Console.Out);
return await HarmattanCli.InvokeAsync(args);
