using System.ComponentModel.DataAnnotations;
using System.Runtime.Serialization;
using MassTransit;

namespace Harmattan.Hosting;

/// <summary>
/// The parts the consumer definitions build their retry policies from. Each definition states its own policy; there
/// is no bus-wide retry, so a reader finds an endpoint's retries next to its consumer.
/// </summary>
public static class MessageRetry
{
    /// <summary>
    /// Exceptions that say the message itself is wrong (an argument, a validation rule, an unknown time zone, a body
    /// that does not deserialize): handling it again gives the same answer, so it goes to <c>&lt;queue&gt;_error</c> at once.
    /// </summary>
    public static readonly IReadOnlyList<Type> InvalidMessage =
    [
        typeof(ArgumentException), typeof(ValidationException), typeof(TimeZoneNotFoundException),
        typeof(InvalidTimeZoneException), typeof(SerializationException),
    ];

    /// <summary>
    /// In-process exponential retries (<c>Bus:RetryLimit</c> between <c>Bus:RetryMinInterval</c> and
    /// <c>Bus:RetryMaxInterval</c>), then <c>&lt;queue&gt;_error</c>; invalid messages skip the retries.
    /// <paramref name="configure"/> adds what else the endpoint must not retry.
    /// </summary>
    public static void UseExponentialRetry(this IReceiveEndpointConfigurator endpoint, BusOptions options,
        Action<IRetryConfigurator>? configure = null)
    {
        // MassTransit's exponential policy with no retries fails with IndexOutOfRangeException, hiding the real error.
        if (options.RetryLimit == 0)
            return;
        endpoint.UseMessageRetry(retry =>
        {
            retry.Exponential(options.RetryLimit, options.RetryMinInterval, options.RetryMaxInterval,
                TimeSpan.FromMilliseconds(Math.Max(1, options.RetryMinInterval.TotalMilliseconds)));
            retry.Ignore([.. InvalidMessage]);
            configure?.Invoke(retry);
        });
    }
}
