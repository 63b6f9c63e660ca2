using MassTransit;

namespace Harmattan.Cli.Pipeline;

/// <summary>The receive endpoints a command listens on while it waits (the pipeline's faults, replay's averages).</summary>
public static class CommandEndpoints
{
    private static readonly string ThisProcess = Guid.NewGuid().ToString("N")[..12];

    /// <summary>
    /// Deleted when the command stops, and named for this process alone: RabbitMQ holds a temporary queue for the
    /// connection that declared it, so a second command at once (two backfills, a backfill and a replay) would be refused
    /// the same name and stop.
    /// </summary>
    public static void OfThisProcess(IEndpointRegistrationConfigurator endpoint)
    {
        endpoint.Temporary = true;
        endpoint.InstanceId = ThisProcess;
    }
}
