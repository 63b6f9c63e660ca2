using Harmattan.Cli.Operations;
using Harmattan.Contracts;
using Harmattan.Tests.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Harmattan.Tests.Cli;

/// <summary>When a replay counts a fetch as done: its averages were computed and the store reflects them.</summary>
public sealed class ReplayProgressTests() : TemporaryStoreTest("replay")
{
    private static readonly DateTimeOffset FetchedAt = new(2026, 3, 4, 10, 0, 0, TimeSpan.Zero);
    private static readonly Guid Fetch = Guid.Parse("00000000-0000-0000-0000-0000000000a1");
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AveragesComputed Averages(int version, Guid? fetchId = null, DateTimeOffset? fetchedAt = null) =>
        Builders.Averages("283164601", new DateOnly(2026, 3, 1), days: 2, quantities: Builders.Co(0.5 * version, count: 24),
            fetchedAt: fetchedAt ?? FetchedAt, algorithmVersion: version, fetchId: fetchId ?? Fetch);

    private ReplayProgress Replaying(params Guid[] fetchIds)
    {
        var progress = new ReplayProgress();
        progress.Expect(fetchIds);
        return progress;
    }

    [Fact]
    public async Task With_the_same_version_a_result_counts_asStored_at_once_because_the_rows_already_match()
    {
        await Store.UpsertAveragesAsync([Averages(1)], Ct);
        var progress = Replaying(Fetch);

        progress.Record(Averages(1));
        await progress.CheckStoreAsync(Store, Ct);

        Assert.Equal((1, 1, 1), (progress.Expected, progress.Computed, progress.Stored));
    }

    [Fact]
    public async Task Rules_changed_under_the_same_version_count_only_once_the_loader_has_written_their_figures()
    {
        await Store.UpsertAveragesAsync([Averages(1)], Ct);
        var progress = Replaying(Fetch);
        var recomputed = Builders.Averages("283164601", new DateOnly(2026, 3, 1), days: 2, quantities: Builders.Co(0.7, count: 24),
            fetchedAt: FetchedAt, algorithmVersion: 1, fetchId: Fetch);
        progress.Record(recomputed);

        await progress.CheckStoreAsync(Store, Ct);
        Assert.Equal((1, 0), (progress.Computed, progress.Stored));

        await Store.UpsertAveragesAsync([recomputed], Ct);
        await progress.CheckStoreAsync(Store, Ct);
        Assert.Equal(1, progress.Stored);
    }

    [Fact]
    public async Task A_newer_version_counts_only_once_the_loader_has_written_it()
    {
        await Store.UpsertAveragesAsync([Averages(1)], Ct);
        var progress = Replaying(Fetch);
        progress.Record(Averages(2));

        await progress.CheckStoreAsync(Store, Ct);
        Assert.Equal((1, 0), (progress.Computed, progress.Stored));

        await Store.UpsertAveragesAsync([Averages(2)], Ct);
        await progress.CheckStoreAsync(Store, Ct);
        Assert.Equal(1, progress.Stored);
    }

    [Fact]
    public async Task A_row_theStore_keeps_because_it_is_newer_than_the_replay_counts_asStored()
    {
        await Store.UpsertAveragesAsync([Averages(3, Guid.NewGuid(), FetchedAt.AddHours(1))], Ct);
        var progress = Replaying(Fetch);

        progress.Record(Averages(2));
        await progress.CheckStoreAsync(Store, Ct);

        Assert.Equal(1, progress.Stored);
    }

    [Fact]
    public async Task A_result_stamped_by_a_clock_that_ran_ahead_counts_asStored_while_theStore_keeps_a_fetch_made_since()
    {
        // A fetch stamped two days ahead, replayed: the store keeps the fetch made once the clock was set right.
        var now = FetchedAt.AddDays(1);
        await Store.UpsertAveragesAsync([Averages(1, Guid.NewGuid(), now.AddHours(-1))], Ct);
        var progress = new ReplayProgress(new FakeTimeProvider(now));
        progress.Expect([Fetch]);

        progress.Record(Averages(1, Fetch, now.AddDays(2)));
        await progress.CheckStoreAsync(Store, Ct);

        Assert.Equal(1, progress.Stored);
    }

    [Fact]
    public async Task Days_theStore_keeps_at_a_newer_version_than_the_transformer_s_are_told_apart_from_those_written()
    {
        // A transformer still on v1 (not restarted after the rule change) replays days already recomputed at v2.
        await Store.UpsertAveragesAsync([Averages(2)], Ct);
        var progress = Replaying(Fetch);
        progress.Record(Averages(1));

        await progress.CheckStoreAsync(Store, Ct);
        var held = await progress.HeldByNewerVersionAsync(Store, Ct);

        Assert.Equal((1, 1), (progress.Stored, progress.StoredButHeld));
        Assert.Equal((2, 1, 2), held);
    }

    [Fact]
    public async Task A_day_held_at_a_newer_version_is_counted_once_however_many_replayed_fetches_cover_it()
    {
        // Overlapping windows, as the hourly schedule's two-day fetches are: 2026-03-02 is in both results. The store
        // holds 03-01 and 03-02 at v3, not yet 03-03, so the second result is still waiting when the days are told.
        await Store.UpsertAveragesAsync([Averages(3, Guid.NewGuid(), FetchedAt.AddHours(1))], Ct);
        var overlapping = Guid.Parse("00000000-0000-0000-0000-0000000000a2");
        var progress = Replaying(Fetch, overlapping);
        progress.Record(Averages(2));
        progress.Record(Builders.Averages("283164601", new DateOnly(2026, 3, 2), days: 2, quantities: Builders.Co(1.0, count: 24),
            fetchedAt: FetchedAt.AddHours(2), algorithmVersion: 2, fetchId: overlapping));

        await progress.CheckStoreAsync(Store, Ct);

        Assert.Equal((1, 1), (progress.Stored, progress.StoredButHeld));
        Assert.Equal((2, 2, 3), await progress.HeldByNewerVersionAsync(Store, Ct));
    }

    [Fact]
    public async Task Nothing_is_held_when_the_replay_wrote_its_days()
    {
        await Store.UpsertAveragesAsync([Averages(1), Averages(2)], Ct);
        var progress = Replaying(Fetch);
        progress.Record(Averages(2));

        await progress.CheckStoreAsync(Store, Ct);

        Assert.Equal((0, 0, 0), await progress.HeldByNewerVersionAsync(Store, Ct));
    }

    [Fact]
    public async Task Days_a_replayed_fetch_sent_no_row_for_count_asStored_while_theStore_holds_them_with_rows()
    {
        // An outage's fetch, replayed at v2 while its days still hold v1 averages from an earlier fetch with rows: it can
        // never replace them, so there is nothing to wait for.
        await Store.UpsertAveragesAsync([Averages(1, Guid.NewGuid(), FetchedAt.AddHours(-1))], Ct);
        var progress = Replaying(Fetch);

        progress.Record(Builders.Averages("283164601", new DateOnly(2026, 3, 1), hoursCovered: 0, days: 2,
            quantities: new Dictionary<string, QuantityStats>(), fetchedAt: FetchedAt, algorithmVersion: 2, fetchId: Fetch));
        await progress.CheckStoreAsync(Store, Ct);

        Assert.Equal(1, progress.Stored);
    }

    [Fact]
    public async Task Averages_of_fetches_that_were_not_replayed_are_ignored()
    {
        var progress = Replaying(Fetch);

        progress.Record(Averages(1, Guid.NewGuid()));
        await progress.CheckStoreAsync(Store, Ct);

        Assert.Equal((1, 0, 0), (progress.Expected, progress.Computed, progress.Stored));
    }
    [Fact]
    public async Task A_result_is_let_go_once_stored_and_a_copy_arriving_after_is_not_kept()
    {
        var progress = Replaying(Fetch);
        progress.Record(Averages(2));

        await progress.CheckStoreAsync(Store, Ct);
        Assert.Equal((1, 0, 1), (progress.Computed, progress.Stored, progress.Waiting));

        await Store.UpsertAveragesAsync([Averages(2)], Ct);
        await progress.CheckStoreAsync(Store, Ct);
        progress.Record(Averages(2));

        Assert.Equal((1, 1, 0), (progress.Computed, progress.Stored, progress.Waiting));
    }

    [Fact]
    public async Task Days_held_at_a_newer_version_are_told_of_results_still_waiting_for_their_other_days()
    {
        // Of a two-day result, the store holds the first day at v3 and the second not yet: the wait may end (idle) with
        // the result still waiting, and the days held must still be told.
        var first = Builders.Averages("283164601", new DateOnly(2026, 3, 1), days: 1, quantities: Builders.Co(1.5, count: 24),
            fetchedAt: FetchedAt.AddHours(1), algorithmVersion: 3, fetchId: Guid.NewGuid());
        await Store.UpsertAveragesAsync([first], Ct);
        var progress = Replaying(Fetch);
        progress.Record(Averages(2));

        await progress.CheckStoreAsync(Store, Ct);

        Assert.Equal((0, 1), (progress.Stored, progress.Waiting));
        Assert.Equal((1, 1, 3), await progress.HeldByNewerVersionAsync(Store, Ct));
        Assert.Equal(0, progress.StoredButHeld);
    }
}
