using Harmattan.Contracts;
using Harmattan.Storage;

namespace Harmattan.Tests.Storage;

/// <summary>
/// The semantics every <see cref="IPipelineStore"/> adapter must have. Each adapter's test class derives
/// from this one and only says how to create (and dispose) a fresh, empty, initialised store.
/// </summary>
public abstract class PipelineStoreContract : IAsyncLifetime
{
    protected abstract Task<IPipelineStore> CreateStoreAsync();   // a fresh, empty, initialised store
    protected virtual Task DisposeStoreAsync() => Task.CompletedTask;

    protected IPipelineStore Store { get; private set; } = null!;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => Store = await CreateStoreAsync();

    public async ValueTask DisposeAsync()
    {
        await DisposeStoreAsync();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Initialising_twice_is_harmless_and_the_store_answers_a_ping()
    {
        await Store.InitializeAsync(Ct);
        await Store.PingAsync(Ct);
        Assert.Empty(await Store.GetDailyAveragesAsync("1", new DateOnly(2023, 1, 1), new DateOnly(2023, 12, 31), Ct));
    }
}
