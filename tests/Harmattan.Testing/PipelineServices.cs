namespace Harmattan.Testing;

/// <summary>
/// The extractor, the transformer and the loader as separate processes on one environment: started together, so they
/// boot side by side, and handed over once all three are ready. When one is not, the others are stopped too.
/// </summary>
public sealed class PipelineServices : IAsyncDisposable
{
    public static IReadOnlyList<string> Names { get; } = ["Extractor", "Transformer", "Loader"];

    private PipelineServices(IReadOnlyList<ServiceProcess> all) => All = all;

    /// <summary>The three, in <see cref="Names"/>' order.</summary>
    public IReadOnlyList<ServiceProcess> All { get; }

    public ServiceProcess this[string name] => All.Single(service => service.Name == name);

    /// <summary>Every service's output under its name, for a failing assertion's message.</summary>
    public string Output => string.Join("\n", All.Select(service => $"--- {service.Name} ---\n{service.Output}"));

    public static async Task<PipelineServices> StartAsync(IReadOnlyDictionary<string, string> environment, TimeSpan readyWithin)
    {
        var services = new PipelineServices(Names.Select(name => ServiceProcess.StartService(name, environment)).ToList());
        try
        {
            foreach (var service in services.All)
                await service.WaitUntilReadyAsync(readyWithin);
            return services;
        }
        catch
        {
            await services.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in All)
            await service.DisposeAsync();
    }
}
