using Harmattan.Dashboard;
using Harmattan.Stations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Harmattan.Tests.Dashboard;

/// <summary>
/// The dashboard reads the extractor's <c>Stations</c> list and its rules (tested with the extractor's options); these
/// are the names it shows.
/// </summary>
public class DashboardStationsTests
{
    [Fact]
    public void Without_a_stations_list_the_dashboard_shows_the_stations_the_extractor_polls_by_default_with_their_names()
    {
        var stations = StationsOptions.Read(new ConfigurationBuilder().Build());

        Assert.Equal([("283164601", "SMART188", "UTC"), ("283181971", "SMART189", "UTC")],
            stations.Select(s => (s.Id, s.Name, s.TimeZone)));
    }

    [Fact]
    public void One_station_set_in_the_environment_is_the_whole_list_without_a_default_name()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Stations:0:Id"] = "900000001" })
            .Build();

        var station = Assert.Single(StationsOptions.Read(configuration));
        Assert.Equal(("900000001", null, "UTC"), (station.Id, station.Name, station.TimeZone));
    }

    [Fact]
    public void A_stations_list_replaces_the_defaults_with_its_names()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Stations:0:Id"] = "900000001", ["Stations:0:Name"] = "Plateau", ["Stations:0:TimeZone"] = "Africa/Abidjan",
        }).Build();

        var station = Assert.Single(StationsOptions.Read(configuration));
        Assert.Equal(("900000001", "Plateau", "Africa/Abidjan"), (station.Id, station.Name, station.TimeZone));
    }

    [Fact]
    public void The_dashboard_refuses_a_station_the_services_refuse_in_their_words()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Stations:0:Id"] = "2831/64601" })
            .Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddDashboard(configuration)
            .BuildServiceProvider();

        var refused = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<StationsOptions>>().Value);
        Assert.StartsWith("Stations:0:Id '2831/64601' is not a valid station id", refused.Message);
    }
}
