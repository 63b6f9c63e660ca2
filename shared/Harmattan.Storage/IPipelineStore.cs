using Harmattan.Contracts;
using Harmattan.Storage.Archive;

namespace Harmattan.Storage;

/// <summary>
/// The store port: archived raw fetches, hourly and daily averages. Every adapter (SQLite, MongoDB)
/// passes the same contract tests.
/// </summary>
/// <remarks>
/// Upserts are keyed by (station, hour) and (station, date). A row is written only when its
/// (AlgorithmVersion, SourceFetchedAt) is not older than the stored one, so redelivery,
/// duplicates, out-of-order delivery and replays never regress data. A day the source sent no row for
/// never replaces a day it sent rows for; the stored day's <see cref="StoredDailyAverage.SourceCheckedAt"/>
/// records the fetch instead. So that the order the two arrive in does not matter, a day with rows replaces a stored day
/// without, whatever its version or fetch time; the check time never moves back.
/// </remarks>
public interface IPipelineStore
{
    /// <summary>Where the store is, for messages, without credentials: "MongoDB at host:port,..." or "SQLite file".</summary>
    string Location { get; }

    /// <summary>What holds the store's data, for messages: the SQLite file, or which database of which MongoDB server.</summary>
    string Holder => Location;

    /// <summary>Creates tables, collections and indexes; safe to call on every start.</summary>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Readies the store for a command that only reads it, failing with the reason when it cannot be reached. Where it
    /// can, it writes nothing: MongoDB is only asked to answer and to list its collections (a database without the
    /// store is refused), so a user allowed only to read can run the reading commands; SQLite refuses a path with no file
    /// or a file without a table (<see cref="StoreNotReadyException"/>), and creates the tables a file of an older version
    /// lacks.
    /// </summary>
    Task PrepareForReadingAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads the schema version the store records (one small read) and throws <see cref="NewerStoreException"/> when a newer
    /// version of Harmattan has written it since this process opened it: a store can be upgraded under a running process.
    /// </summary>
    /// <returns>The store schema recorded, at most <see cref="KnownSchema"/> (0 for a store of a version before stores recorded one).</returns>
    /// <exception cref="NewerStoreException">The store's schema is newer than this version knows.</exception>
    Task<long> RequireKnownSchemaAsync(CancellationToken cancellationToken = default);

    /// <summary>The store schema this version writes: it upgrades an older store when it initializes it.</summary>
    long KnownSchema { get; }

    /// <summary>Fails when the store cannot be reached; used by the readiness check.</summary>
    Task PingAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores raw fetches by FetchId; storing one twice is a no-op. Like <see cref="UpsertAveragesAsync"/>, it reads the
    /// store's schema version before it writes: SQLite inside the write's transaction, so no upgrade can come between;
    /// MongoDB with one read just before its bulk writes.
    /// </summary>
    /// <exception cref="NewerStoreException">A newer version of Harmattan has upgraded the store: nothing is written.</exception>
    Task<int> ArchiveRawFetchesAsync(IReadOnlyCollection<RawReadingsFetched> fetches, CancellationToken cancellationToken = default);

    /// <exception cref="NewerStoreException">A newer version of Harmattan has upgraded the store: nothing is written.</exception>
    Task<UpsertResult> UpsertAveragesAsync(IReadOnlyCollection<AveragesComputed> batch, CancellationToken cancellationToken = default);

    /// <summary>Daily rows of one station for the days from..to, both inclusive, ascending.</summary>
    Task<IReadOnlyList<StoredDailyAverage>> GetDailyAveragesAsync(string stationId, DateOnly from, DateOnly to, CancellationToken cancellationToken = default);

    /// <summary>Hourly rows of one station for hours in [from, to), ascending.</summary>
    Task<IReadOnlyList<StoredHourlyAverage>> GetHourlyAveragesAsync(string stationId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);

    /// <summary>Archived fetches of one station whose window overlaps [from, to), by window start then FetchedAt.</summary>
    Task<IReadOnlyList<RawReadingsFetched>> GetRawFetchesAsync(string stationId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);

    /// <summary>The ids of the stations with daily averages stored, in ordinal order.</summary>
    Task<IReadOnlyList<string>> GetStationIdsAsync(CancellationToken cancellationToken = default);

    /// <summary>The last hour with averages stored and the last archived fetch of one station (nulls when none).</summary>
    Task<StationActivity> GetStationActivityAsync(string stationId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The instant up to which the station's archived fetches made before <paramref name="fetchedBefore"/> reach (null
    /// when none): of the fetch whose window ends last, its window's end, or its fetch time when it was made before the
    /// window ended. A backfill of older days does not move it. Reads the station's archived fetches: for the schedule's
    /// gap check, once per run, which leaves out the fetches of the run itself however fast they are archived.
    /// </summary>
    Task<DateTimeOffset?> GetFetchedUntilAsync(string stationId, DateTimeOffset fetchedBefore, CancellationToken cancellationToken = default);

    /// <summary>Every station with at least one archived fetch, ordered.</summary>
    Task<IReadOnlyList<string>> GetArchivedStationIdsAsync(CancellationToken cancellationToken = default);

    /// <summary>One station's archived fetches without their readings, with the bytes the readings take.</summary>
    Task<IReadOnlyList<ArchivedFetch>> GetArchivedFetchesAsync(string stationId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes archived fetches in bounded batches (short transactions), each only while its fetch time is still the one
    /// listed: the same readings fetched again since keep their fetch id and move its time, and such a fetch is the newest
    /// again, so it stays. Returns how many were deleted. Reads the store's schema version first, as the other writes do
    /// (SQLite: in each batch's transaction).
    /// </summary>
    /// <exception cref="NewerStoreException">A newer version of Harmattan has upgraded the store: nothing more is deleted.</exception>
    Task<int> DeleteRawFetchesAsync(IReadOnlyCollection<ArchivedFetch> fetches, CancellationToken cancellationToken = default);

    /// <summary>Gives the space of deleted fetches back where the store can (SQLite: the file shrinks).</summary>
    Task ReclaimArchiveSpaceAsync(CancellationToken cancellationToken = default);
}

/// <param name="LastReadingHour">Start of the latest hour with stored averages.</param>
/// <param name="LastFetchedAt">When the latest archived fetch of the station was made.</param>
/// <param name="LastFetchTimeZone">The time zone that fetch cut the station's days in.</param>
public readonly record struct StationActivity(DateTimeOffset? LastReadingHour, DateTimeOffset? LastFetchedAt, string? LastFetchTimeZone = null)
{
    /// <summary>How old the station's data are at <paramref name="now"/> (<see cref="AgeOfHour"/>); null without data.</summary>
    public TimeSpan? DataAge(DateTimeOffset now) => LastReadingHour is { } hour ? AgeOfHour(hour, now) : null;

    /// <summary>The time since the end of the hour that starts at <paramref name="hour"/>; zero while that hour is in progress.</summary>
    public static TimeSpan AgeOfHour(DateTimeOffset hour, DateTimeOffset now) =>
        TimeSpan.FromTicks(Math.Max(0, (now - hour.AddHours(1)).Ticks));
}

/// <summary>
/// Rows written, rows ignored because the store held a newer version (or, for a day the source sent no row for, a day
/// with rows, which it never replaces), and rows refused because the stored row has no valid version to compare with
/// (e.g. written by hand or by another tool; each one is logged as an error).
/// </summary>
public readonly record struct UpsertResult(int Written, int IgnoredAsOlder, int RefusedUnversioned = 0)
{
    public static UpsertResult operator +(UpsertResult a, UpsertResult b) =>
        new(a.Written + b.Written, a.IgnoredAsOlder + b.IgnoredAsOlder, a.RefusedUnversioned + b.RefusedUnversioned);
}
