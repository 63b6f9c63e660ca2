using Harmattan.Cli;

HarmattanCli.UseWholeLinesWhenRedirected();
return await HarmattanCli.InvokeAsync(args);
