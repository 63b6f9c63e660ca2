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
