using Harmattan.Cli.Pipeline;
using Harmattan.Hosting;

namespace Harmattan.Tests.Cli;

public class PipelineConsumersTests
{
    [Fact]
    public void A_backfill_waits_on_every_queue_of_the_pipeline_and_a_replay_on_the_transformer_and_the_loader()
    {
        Assert.Equal(QueueNames.All, PipelineConsumers.OfFetches);
        Assert.Equal([QueueNames.ComputeAverages, QueueNames.StoreAverages], PipelineConsumers.OfReplays);
    }

    [Fact]
    public void Every_queue_consumed_is_no_warning() => Assert.Null(PipelineConsumers.Warning([]));

    [Fact]
    public void A_stopped_transformer_is_named_with_its_queue_and_the_fix()
    {
        Assert.Equal(
            "no transformer is consuming compute-averages: start the transformer (see README, \"Running the three services on RabbitMQ\"); what was sent waits in the queues until then.",
            PipelineConsumers.Warning([QueueNames.ComputeAverages]));
    }

    [Fact]
    public void A_stopped_loader_is_named_once_with_both_its_queues() =>
        Assert.StartsWith("no loader is consuming archive-raw-readings or store-averages: start the loader (see README",
            PipelineConsumers.Warning([QueueNames.ArchiveRawReadings, QueueNames.StoreAverages]));

    [Fact]
    public void Several_stopped_services_are_each_named() =>
        Assert.StartsWith(
            "no extractor is consuming fetch-station-window; no transformer is consuming compute-averages; no loader is consuming archive-raw-readings or store-averages: start the services (see README",
            PipelineConsumers.Warning(QueueNames.All));
}
