using System.ComponentModel.DataAnnotations;
using MassTransit;

namespace Harmattan.Loader;

/// <summary>
/// Refuses, before it joins a batch, a message <see cref="StorableMessages"/> finds a problem in: it goes alone to the
/// endpoint's error queue with the problem as its fault, without retries (<see cref="ValidationException"/>), and the
/// rest of its batch is stored.
/// </summary>
internal sealed class UnstorableMessageFilter<T>(string queue, Func<T, string?> problemOf) : IFilter<ConsumeContext>
    where T : class
{
    public Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        if (context.TryGetMessage<T>(out var consumed) && problemOf(consumed.Message) is { } problem)
            throw new ValidationException(
                $"Refused a {typeof(T).Name} (message {context.MessageId}): {problem}. Nothing of it is stored. The extractor and " +
                $"the transformer never publish such a message: find what else publishes to {queue}. The message waits in " +
                $"{queue}_error; `harmattan redrive --queue {queue}_error --discard` deletes it (add --station to keep other stations' messages).");
        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("unstorableMessages");
}
