using Harmattan.Contracts;
using Harmattan.Transformer;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Harmattan.Tests.Transformer;

public class TransformerConsumerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_fetch_in_gives_its_averages_out_stamped_with_the_algorithm_version()
    {
        await using var provider = Build();
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        var day = new DateTimeOffset(2023, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var fetch = AveragesCalculatorTests.Fetch(day, days: 2,
            AveragesCalculatorTests.Row(day, ("co", 1.0)), AveragesCalculatorTests.Row(day.AddHours(1), ("co", 2.0)));

        await harness.Bus.Publish(fetch, Ct);

        Assert.True(await harness.Published.Any<AveragesComputed>(Ct));
        var averages = harness.Published.Select<AveragesComputed>(Ct).First().Context.Message;
        Assert.Equal((fetch.FetchId, fetch.StationId, AveragesCalculator.AlgorithmVersion),
            (averages.SourceFetchId, averages.StationId, averages.AlgorithmVersion));
        Assert.Equal(2, averages.Daily.Count);
        Assert.Equal(1.5, averages.Daily[0].Quantities["co"].Mean);
        Assert.Equal(2, averages.Hourly.Count);
    }

    [Fact]
    public async Task A_configured_algorithm_version_is_stamped_for_replays()
    {
        await using var provider = Build(("Quality:AlgorithmVersion", "2"), ("Quality:Ranges:co:Min", "0"));
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        var day = new DateTimeOffset(2023, 3, 1, 0, 0, 0, TimeSpan.Zero);

        await harness.Bus.Publish(AveragesCalculatorTests.Fetch(day, days: 1,
            AveragesCalculatorTests.Row(day, ("co", -0.5)), AveragesCalculatorTests.Row(day.AddHours(1), ("co", 2.0))), Ct);

        Assert.True(await harness.Published.Any<AveragesComputed>(Ct));
        var averages = harness.Published.Select<AveragesComputed>(Ct).First().Context.Message;
        Assert.Equal(2, averages.AlgorithmVersion);
        Assert.Equal((2.0, 1, 1), (averages.Daily[0].Quantities["co"].Mean, averages.Daily[0].Quantities["co"].Count,
            averages.Daily[0].Quantities["co"].Rejected));
    }

    [Theory]
    [InlineData("Quality:CompleteThreshold", "1.5", "Quality:CompleteThreshold")]
    [InlineData("Quality:Ranges:co:Min", "5000", "Quality:Ranges:co")]
    [InlineData("Quality:AlgorithmVersion", "0", "Quality:AlgorithmVersion")]
    public void Bad_quality_settings_are_refused_naming_the_key(string key, string value, string named)
    {
        using var provider = Build((key, value));

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<QualityOptions>>().Value);
        Assert.Contains(named, error.Message);
    }

    private static ServiceProvider Build(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddTransformer(configuration);
        services.AddHarmattanTestHarness(bus => bus.AddTransformerConsumers());
        return services.BuildServiceProvider(validateScopes: true);
    }
}
