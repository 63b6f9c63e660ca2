using Harmattan.Contracts;
using Harmattan.Hosting;
using Microsoft.Extensions.Options;

namespace Harmattan.Loader;

public sealed class AveragesComputedConsumerDefinition(IOptions<LoaderOptions> options, IOptions<BusOptions> bus, StoreSchemaWatch storeSchema)
    : StoreWriteConsumerDefinition<AveragesComputedConsumer, AveragesComputed>(
        QueueNames.StoreAverages, StorableMessages.ProblemOf, options.Value, bus.Value, storeSchema);
