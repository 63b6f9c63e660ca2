using Harmattan.Contracts;
using Harmattan.Hosting;
using Harmattan.Stations;
using Microsoft.Extensions.Options;

namespace Harmattan.Loader;

public sealed class ArchiveRawReadingsConsumerDefinition(IOptions<LoaderOptions> options, IOptions<BusOptions> bus, StoreSchemaWatch storeSchema)
    : StoreWriteConsumerDefinition<ArchiveRawReadingsConsumer, RawReadingsFetched>(
        QueueNames.ArchiveRawReadings, MessageRules.ProblemOf, options.Value, bus.Value, storeSchema);
