using Harmattan.Contracts;
using Harmattan.Loader;
using Harmattan.Storage;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Harmattan.Tests.Loader;

/// <summary>The loader's batch consumers on the MassTransit in-memory harness, writing to a real SQLite file.</summary>
public sealed class LoaderConsumersTests : IAsyncLifetime
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"harmattan-loader-{Guid.NewGuid():N}.db");
    private ServiceProvider? _provider;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_published_AveragesComputed_ends_up_in_the_store()
    {
        var (harness, store) = await StartAsync();
        var start = new DateTimeOffset(2023, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var messages = Enumerable.Range(0, 25)
            .SelectMany(i => new[] { ("283164601", i), ("283181971", i) })
            .Select(x => Averages(x.Item1, start.AddDays(x.Item2)))
            .ToArray();

        foreach (var message in messages)
            await harness.Bus.Publish(message, Ct);

        var last = new DateOnly(2023, 6, 25);
        await WaitUntilAsync(async () => (await store.GetDailyAveragesAsync("283181971", new DateOnly(2023, 6, 1), last, Ct)).Count == 25);
        foreach (var station in new[] { "283164601", "283181971" })
        {
            var days = await store.GetDailyAveragesAsync(station, new DateOnly(2023, 6, 1), last, Ct);
            Assert.Equal(25, days.Count);
            Assert.All(days, d => Assert.Equal(station == "283164601" ? 1.0 : 2.0, d.Quantities["co"].Mean));
            Assert.Equal(25, (await store.GetHourlyAveragesAsync(station, start, start.AddDays(25), Ct)).Count);
        }
        Assert.False(await harness.Published.Any<Fault<AveragesComputed>>(Ct));
    }

    [Fact]
    public async Task Raw_fetches_are_archived_once_each()
    {
        var (harness, store) = await StartAsync();
        var start = new DateTimeOffset(2023, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var fetches = Enumerable.Range(0, 12).Select(i => RawFetch(start.AddDays(i))).ToArray();

        foreach (var fetch in fetches.Concat(fetches.Take(3)))
            await harness.Bus.Publish(fetch, Ct);

        await WaitUntilAsync(async () => (await store.GetRawFetchesAsync("283164601", start, start.AddDays(12), Ct)).Count == 12);
        await harness.InactivityTask;
        var archived = await store.GetRawFetchesAsync("283164601", start, start.AddDays(12), Ct);
        Assert.Equal(fetches.Select(f => f.FetchId), archived.Select(f => f.FetchId));
        Assert.False(await harness.Published.Any<Fault<RawReadingsFetched>>(Ct));
    }

    [Fact]
    public async Task An_unstorable_AveragesComputed_is_refused_alone_and_the_rest_of_its_batch_is_stored()
    {
        var (harness, store) = await StartAsync();
        var start = new DateTimeOffset(2023, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var valid = Enumerable.Range(0, 9).Select(i => Averages("283164601", start.AddDays(i))).ToArray();
        var unstorable = Builders.Averages("283164601", new DateOnly(2023, 6, 10),
            quantities: new Dictionary<string, QuantityStats> { ["$set"] = Builders.Stats(1.0) });

        foreach (var message in valid.Append(unstorable))
            await harness.Bus.Publish(message, Ct);

        var last = new DateOnly(2023, 6, 10);
        await WaitUntilAsync(async () => (await store.GetDailyAveragesAsync("283164601", new DateOnly(2023, 6, 1), last, Ct)).Count == 9);
        var refusal = await RefusalsAsync<AveragesComputed>(harness);
        Assert.Contains("the quantity name '$set'", refusal);
        Assert.Contains("store-averages_error", refusal);
        Assert.Equal(9, (await store.GetDailyAveragesAsync("283164601", new DateOnly(2023, 6, 1), last, Ct)).Count);
        Assert.Single(harness.Consumed.Select<AveragesComputed>(m => m.Exception is not null, Ct));
    }

    [Fact]
    public async Task A_message_missing_its_rows_is_refused_alone_and_does_not_fail_its_batch()
    {
        var (harness, store) = await StartAsync();
        var start = new DateTimeOffset(2023, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var valid = Enumerable.Range(0, 9).Select(i => Averages("283164601", start.AddDays(i))).ToArray();
        var rowless = Averages("283164601", start.AddDays(9)) with { Hourly = null! };

        foreach (var message in valid.Append(rowless))
            await harness.Bus.Publish(message, Ct);

        await WaitUntilAsync(async () => (await store.GetDailyAveragesAsync("283164601", new DateOnly(2023, 6, 1), new DateOnly(2023, 6, 10), Ct)).Count == 9);
        Assert.Contains("its hourly rows are null", await RefusalsAsync<AveragesComputed>(harness));
    }

    [Theory]
    [InlineData("bad id\nforged log line", "'bad id forged log line' is not a valid station id")]
    [InlineData("283164601", "its time zone 'Mars/Olympus_Mons' is not one this system knows")]
    public async Task An_unstorable_raw_fetch_is_refused_alone_and_the_others_are_archived(string stationId, string expected)
    {
        var (harness, store) = await StartAsync();
        var start = new DateTimeOffset(2023, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var valid = Enumerable.Range(0, 4).Select(i => RawFetch(start.AddDays(i))).ToArray();
        var unstorable = Builders.RawFetch(stationId, start.AddDays(5),
            timeZone: expected.Contains("time zone") ? "Mars/Olympus_Mons" : "UTC");

        foreach (var fetch in valid.Append(unstorable))
            await harness.Bus.Publish(fetch, Ct);

        await WaitUntilAsync(async () => (await store.GetRawFetchesAsync("283164601", start, start.AddDays(6), Ct)).Count == 4);
        var refusal = await RefusalsAsync<RawReadingsFetched>(harness);
        Assert.Contains(expected, refusal);
        Assert.Contains("archive-raw-readings_error", refusal);
        Assert.Equal(valid.Select(f => f.FetchId), (await store.GetRawFetchesAsync("283164601", start, start.AddDays(6), Ct)).Select(f => f.FetchId));
    }

    [Fact]
    public void A_batch_size_of_zero_is_refused_naming_the_key()
    {
        var services = new ServiceCollection();
        var configuration = Configuration(("Loader:BatchSize", "0"));
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLoader(configuration);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<LoaderOptions>>().Value);
        Assert.Contains("Loader:BatchSize", error.Message);
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_provider is not null)
            await _provider.DisposeAsync();
        TemporarySqliteDatabase.Delete(_path);
    }

    private async Task<(ITestHarness Harness, IPipelineStore Store)> StartAsync()
    {
        var configuration = Configuration(
            ("Storage:Provider", "Sqlite"),
            ("ConnectionStrings:Sqlite", $"Data Source={_path}"),
            ("Loader:BatchSize", "10"),
            ("Loader:BatchTimeLimit", "00:00:00.050"));
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLoader(configuration);
        services.AddHarmattanTestHarness(bus => bus.AddLoaderConsumers());
        _provider = services.BuildServiceProvider(validateScopes: true);

        var store = _provider.GetRequiredService<IPipelineStore>();
        await store.InitializeAsync(Ct);
        var harness = _provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        return (harness, store);
    }

    /// <summary>The errors the loader's endpoints refused messages of type <typeparamref name="T"/> with.</summary>
    private static async Task<string> RefusalsAsync<T>(ITestHarness harness) where T : class
    {
        Assert.True(await harness.Consumed.Any<T>(m => m.Exception is not null, Ct), $"no {typeof(T).Name} was refused");
        return string.Join(" | ", harness.Consumed.Select<T>(m => m.Exception is not null, Ct).Select(m => m.Exception!.Message));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the loader did not store the messages within 20 seconds");
            await Task.Delay(50, Ct);
        }
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build();

    private static AveragesComputed Averages(string stationId, DateTimeOffset dayStart) =>
        Builders.Averages(stationId, DateOnly.FromDateTime(dayStart.UtcDateTime), quantities: Builders.Co(stationId == "283164601" ? 1.0 : 2.0),
            hours: [3]);

    private static RawReadingsFetched RawFetch(DateTimeOffset dayStart) => Builders.RawFetch("283164601", dayStart);
}
