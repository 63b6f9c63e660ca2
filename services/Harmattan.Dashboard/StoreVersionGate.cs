using Harmattan.Storage;
using Harmattan.Storage.MongoDb;

namespace Harmattan.Dashboard;

/// <summary>
/// Keeps the API from answering out of a store written by a newer version of Harmattan, whose layout this version may
/// misread, or out of a MongoDB database that holds no store (a misspelt <c>Storage__MongoDatabase</c> would read as a
/// store without data): every API request passes here, and throws the store's <see cref="NewerStoreException"/>, or a
/// <see cref="StoreNotReadyException"/> for a database without the store (503 problems, by
/// <see cref="StoreUnavailableHandler"/>). The store is asked at most once per <see cref="CheckInterval"/> (on MongoDB
/// a check is three round trips), so a store upgraded while the dashboard runs is refused within that interval, and one
/// restored to this version's, or created by the loader, is answered from again within it.
/// </summary>
public sealed class StoreVersionGate(IPipelineStore store, TimeProvider time) : IDisposable
{
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(10);

    /// <summary>One check at a time: the requests that arrive during it wait for its result rather than ask again.</summary>
    private readonly SemaphoreSlim _checking = new(1, 1);

    private volatile Verdict? _last;

    private sealed record Verdict(long CheckedAt, Exception? Refusal);

    /// <exception cref="NewerStoreException">The store was written by a newer version.</exception>
    /// <exception cref="StoreNotReadyException">The MongoDB database holds none of the store's collections.</exception>
    /// <exception cref="TimeoutException">The store did not answer the check in time.</exception>
    public async Task RequireKnownVersionAsync(CancellationToken cancellationToken)
    {
        var verdict = Current();
        if (verdict is null)
        {
            await _checking.WaitAsync(cancellationToken);
            try
            {
                verdict = Current() ?? (_last = new Verdict(time.GetTimestamp(), await RefusalAsync(cancellationToken)));
            }
            finally
            {
                _checking.Release();
            }
        }
        if (verdict.Refusal is { } refusal)
            throw refusal;
    }

    private Verdict? Current() =>
        _last is { } last && time.GetElapsedTime(last.CheckedAt) < CheckInterval ? last : null;

    private async Task<Exception?> RefusalAsync(CancellationToken cancellationToken)
    {
        try
        {
            // The reading commands' own check: it writes nothing, and refuses a newer store with the store's message.
            await store.PrepareForReadingAsync(cancellationToken);
            return null;
        }
        catch (NewerStoreException e)
        {
            return e;
        }
        catch (MissingStoreException e)
        {
            // Like a SQLite path without the store: a misspelt database, or one the loader has not created the store in yet.
            return new StoreNotReadyException(e.Message, e);
        }
    }

    public void Dispose() => _checking.Dispose();
}
