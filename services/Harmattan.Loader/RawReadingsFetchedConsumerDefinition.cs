using Harmattan.Contracts;
using Harmattan.Hosting;
using Harmattan.Stations;
using Microsoft.Extensions.Options;

namespace Harmattan.Loader;

public sealed class RawReadingsFetchedConsumerDefinition(IOptions<LoaderOptions> options, IOptions<BusOptions> bus, StoreSchemaWatch storeSchema)
    : StoreWriteConsumerDefinition<RawReadingsFetchedConsumer, RawReadingsFetched>(
        QueueNames.ArchiveRawReadings, MessageRules.ProblemOf, options.Value, bus.Value, storeSchema);
