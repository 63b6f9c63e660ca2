using Harmattan.Contracts;
using Harmattan.Hosting;
using Harmattan.Stations;
using Microsoft.Extensions.Options;

namespace Harmattan.Loader;

public sealed class StoreAveragesConsumerDefinition(IOptions<LoaderOptions> options, IOptions<BusOptions> bus, StoreSchemaWatch storeSchema)
    : StoreWriteConsumerDefinition<StoreAveragesConsumer, AveragesComputed>(
        QueueNames.StoreAverages, MessageRules.ProblemOf, options.Value, bus.Value, storeSchema);
