using System.ComponentModel.DataAnnotations;

namespace Harmattan.Hosting;

public enum BusTransport
{
    RabbitMq,
    InMemory,
}

public sealed class BusOptions
{
    public const string Section = "Bus";

    [Required(ErrorMessage = "Bus:Transport is required: set it to RabbitMq or InMemory.")]
    public BusTransport? Transport { get; set; } = BusTransport.RabbitMq;

    /// <summary>Declare service queues as quorum queues (production RabbitMQ clusters).</summary>
    public bool QuorumQueues { get; set; }

    /// <summary>
    /// Messages the extractor's and the transformer's queues hold unacknowledged. Unset, each takes its own: the
    /// extractor 8 (a few long HTTP calls at a time, so replicas share the commands), the transformer 2 per core. The
    /// loader's queues hold <c>Loader:BatchSize</c>, whatever this says: a batch fills only from what is prefetched.
    /// </summary>
    [Range(1, 10_000, ErrorMessage = "Bus:PrefetchCount must be between 1 and 10000.")]
    public int? PrefetchCount { get; set; }

    [Range(0, 20, ErrorMessage = "Bus:RetryLimit must be between 0 and 20.")]
    public int RetryLimit { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "Bus:RetryMinInterval must be between 00:00:00 and 01:00:00.")]
    public TimeSpan RetryMinInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "Bus:RetryMaxInterval must be between 00:00:00 and 01:00:00.")]
    public TimeSpan RetryMaxInterval { get; set; } = TimeSpan.FromSeconds(10);

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Bus:StartTimeout must be between 00:00:01 and 01:00:00.")]
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a stopping service waits for in-flight messages.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "Bus:StopTimeout must be between 00:00:01 and 00:10:00.")]
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public static string? Validate(BusOptions options) =>
        options.RetryMinInterval <= options.RetryMaxInterval
            ? null
            : $"Bus:RetryMinInterval ({options.RetryMinInterval}) must not be longer than Bus:RetryMaxInterval " +
              $"({options.RetryMaxInterval}): the retries wait between the two. Lower the first or raise the second.";
}
