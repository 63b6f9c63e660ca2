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
    [InlineData("window", "is longer than the 9 days a message may cover")]
    [InlineData("readings", "its readings are null")]
    [InlineData("station", "is not a valid station id")]
    public async Task A_fetch_no_service_publishes_goes_to_the_error_queue_at_once_without_being_computed(string broken, string problem)
    {
        await using var provider = Build();
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        var start = new DateTimeOffset(100, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var fetch = AveragesCalculatorTests.Fetch(start, days: 1, AveragesCalculatorTests.Row(start, ("co", 1.0)));
        // A few hundred bytes saying "nine thousand years" were 3.3 million days computed, 991 MiB allocated.
        fetch = broken switch
        {
            "window" => fetch with { WindowEnd = start.AddYears(9000) },
            "readings" => fetch with { Readings = null! },
            _ => fetch with { StationId = "../283164601" },
        };

        await harness.Bus.Publish(fetch, Ct);

        Assert.True(await harness.Consumed.Any<RawReadingsFetched>(m => m.Exception is not null, Ct));
        var refusal = Assert.Single(harness.Consumed.Select<RawReadingsFetched>(m => m.Exception is not null, Ct)).Exception!.Message;
        Assert.Contains(problem, refusal);
        Assert.Contains("compute-averages_error", refusal);
        Assert.False(await harness.Published.Any<AveragesComputed>(Ct));
    }

    [Theory]
    [InlineData("Quality:CompleteThreshold", "1.5", "Quality:CompleteThreshold")]
    [InlineData("Quality:Ranges:co:Min", "5000", "Quality:Ranges:co")]
    [InlineData("Quality:AlgorithmVersion", "0", "Quality:AlgorithmVersion")]
    // Two values of 1e308 summed are infinite, and so was their mean.
    [InlineData("Quality:Ranges:co:Max", "1e308", "Quality:Ranges:co must lie within -1e300 and 1e300")]
    [InlineData("Quality:DefaultRange:Min", "-1.7976931348623157E+308", "Quality:DefaultRange must lie within -1e300 and 1e300")]
    [InlineData("Quality:Ranges:pm25:Max", "500", "Quality:Ranges:pm25 names no quantity: the averages call it pm2_5.")]
    [InlineData("Quality:Ranges:PM2.5:Max", "500", "Quality:Ranges:PM2.5 names no quantity: the averages call it pm2_5.")]
    [InlineData("Quality:Ranges:RelativeHumidity:Max", "100", "the averages call it relative_humidity")]
    [InlineData("Quality:Ranges:Wind Speed:Max", "60", "Quality:Ranges:Wind Speed can never apply")]
    [InlineData("Quality:CompleteTreshold", "0.9",
        "Quality:CompleteTreshold is not a setting (environment variable Quality__CompleteTreshold): did you mean Quality:CompleteThreshold?")]
    [InlineData("Quality:DefaultRange:Mn", "-5",
        "Quality:DefaultRange:Mn is not a setting (environment variable Quality__DefaultRange__Mn): did you mean Quality:DefaultRange:Min?")]
    [InlineData("Quality:Ranges:co:Maxx", "50",
        "Quality:Ranges:co:Maxx is not a setting (environment variable Quality__Ranges__co__Maxx): did you mean Quality:Ranges:co:Max?")]
    [InlineData("Quality:Strict", "true",
        "Quality:Strict is not a setting (environment variable Quality__Strict): the Quality settings are AlgorithmVersion, CompleteThreshold, DefaultRange, Ranges.")]
    public void Bad_quality_settings_are_refused_naming_the_key(string key, string value, string named)
    {
        using var provider = Build((key, value));

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<QualityOptions>>().Value);
        Assert.Contains(named, error.Message);
    }

    [Theory]
    [InlineData("co")]
    [InlineData("CO")]
    [InlineData("wind_speed")]
    public void A_range_for_a_known_or_new_quantity_is_accepted(string quantity)
    {
        using var provider = Build(($"Quality:Ranges:{quantity}:Min", "0"), ($"Quality:Ranges:{quantity}:Max", "50"));

        var options = provider.GetRequiredService<IOptions<QualityOptions>>().Value;
        Assert.Equal(50, options.RangeOf(quantity.ToLowerInvariant()).Max);
    }

    [Fact]
    public void The_default_range_is_set_by_its_own_keys()
    {
        using var provider = Build(("Quality:DefaultRange:Min", "-1"), ("Quality:DefaultRange:Max", "70"));

        var options = provider.GetRequiredService<IOptions<QualityOptions>>().Value;
        Assert.Equal((-1, 70), (options.DefaultRange.Min, options.DefaultRange.Max));
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
