using System.ComponentModel.DataAnnotations;
using MassTransit;

namespace Harmattan.Hosting;

/// <summary>
/// Refuses a message <paramref name="problemOf"/> finds a problem in before its consumer sees it: it goes alone to the
/// endpoint's error queue with the problem as its fault, without retries (<see cref="ValidationException"/>); a batch
/// it would have joined is handled without it.
/// </summary>
public sealed class InvalidMessageFilter<T>(string queue, Func<T, string?> problemOf) : IFilter<ConsumeContext>
    where T : class
{
    public Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        if (context.TryGetMessage<T>(out var consumed) && problemOf(consumed.Message) is { } problem)
            throw new ValidationException(
                $"Refused a {typeof(T).Name} (message {context.MessageId}): {problem}. Nothing of it is computed or stored. " +
                $"Harmattan's services publish none (unless a replayed fetch names a time zone this system's data lacks): find what else " +
                $"publishes to {queue}. The message waits in " +
                $"{queue}_error; `harmattan redrive --queue {queue}_error --discard` deletes it (add --station to keep other stations' messages).");
        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("invalidMessages");
}
