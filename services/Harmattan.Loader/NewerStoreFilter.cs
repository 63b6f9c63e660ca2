using Harmattan.Storage;
using MassTransit;

namespace Harmattan.Loader;

/// <summary>
/// Leaves a message in its queue, unconsumed, once the store refuses a write because a newer version upgraded it
/// (<see cref="StoreSchemaWatch"/>): placed before the endpoint's retries, which do not retry that refusal, it ends the
/// delivery with an <see cref="OperationCanceledException"/>, which MassTransit neither retries nor moves to the
/// <c>_error</c> queue but hands back to the broker (on RabbitMQ a negative acknowledgement with requeue) for a loader of
/// the newer version. MassTransit logs each message handed back as a transport fault (<c>T-FAULT</c>, with its queue and
/// message id).
/// </summary>
internal sealed class NewerStoreFilter(StoreSchemaWatch watch) : IFilter<ConsumeContext>
{
    /// <summary>
    /// How long a refused message is held before it is handed back. Handed back at once, it would come straight back to
    /// this loader, again and again (one T-FAULT each time), until the stopping loader stops consuming; held, it is handed
    /// back about once.
    /// </summary>
    internal static readonly TimeSpan HandBackAfter = TimeSpan.FromSeconds(1);

    public async Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        if (watch.Refusal is null)
        {
            try
            {
                await next.Send(context);
                return;
            }
            catch (NewerStoreException newer)
            {
                watch.Refuse(newer);
            }
        }
        await Task.WhenAny(Task.Delay(HandBackAfter, context.CancellationToken));
        throw new OperationCanceledException(
            $"Message {context.MessageId} left in its queue: {watch.Refusal?.Message}", watch.Refusal, context.CancellationToken);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("newerStore");
}
