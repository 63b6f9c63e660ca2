namespace Harmattan.Hosting;

/// <summary>
/// The RabbitMQ queues of the pipeline. Operators, KEDA scalers and redrive use these names, so they are fixed
/// here rather than derived from consumer class names.
/// </summary>
public static class QueueNames
{
    public const string FetchStationWindow = "fetch-station-window";
    public const string ComputeAverages = "compute-averages";
    public const string ArchiveRawReadings = "archive-raw-readings";
    public const string StoreAverages = "store-averages";

    public static readonly IReadOnlyList<string> All = [FetchStationWindow, ComputeAverages, ArchiveRawReadings, StoreAverages];

    public static string ErrorQueue(string queue) => queue + "_error";
}
