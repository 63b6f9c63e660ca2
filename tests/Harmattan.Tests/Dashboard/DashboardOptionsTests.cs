using Harmattan.Dashboard;
using Harmattan.Stations;
using Microsoft.Extensions.Configuration;

namespace Harmattan.Tests.Dashboard;

/// <summary>The dashboard reads the extractor's <c>Stations</c> list, so it accepts the same time zones.</summary>
public class DashboardOptionsTests
{
    [Theory]
    [InlineData("Africa/Abidjan", null)]
    [InlineData("Africa/Atlantis", "Stations:0:TimeZone 'Africa/Atlantis' is not a known time zone: use an IANA id such as UTC or Africa/Abidjan.")]
    [InlineData("W. Central Africa Standard Time",
        "Stations:0:TimeZone 'W. Central Africa Standard Time' is a Windows time zone id, which the services do not resolve: use its IANA id 'Africa/Lagos'.")]
    public void A_station_time_zone_is_an_iana_id(string timeZone, string? expected)
    {
        var options = new DashboardOptions { Stations = [new DashboardStation { Id = "283164601", TimeZone = timeZone }] };

        Assert.Equal(expected, DashboardOptions.Validate(options));
    }

    [Theory]
    [InlineData("283164601,283181971")]   // two ids in one variable
    [InlineData("283164601 ")]            // a space from a .env file
    [InlineData("2831/64601")]            // no path of the API can name it
    [InlineData("")]
    public void A_station_id_the_services_refuse_is_refused_in_their_words(string id)
    {
        var services = StationsOptions.Validate(new StationsOptions { Stations = [new StationConfig { Id = id, TimeZone = "UTC" }] });

        Assert.NotNull(services);
        Assert.Equal(services, DashboardOptions.Validate(new DashboardOptions { Stations = [new DashboardStation { Id = id }] }));
    }

    [Fact]
    public void A_station_listed_twice_is_refused_as_the_services_refuse_it()
    {
        var options = new DashboardOptions { Stations = [new DashboardStation { Id = "283164601" }, new DashboardStation { Id = "283164601", TimeZone = "Africa/Abidjan" }] };

        Assert.Equal("Stations:1:Id '283164601' is listed twice: remove one of the entries.", DashboardOptions.Validate(options));
    }

    [Fact]
    public void Without_a_stations_list_the_dashboard_shows_the_stations_the_extractor_polls_by_default_with_their_names()
    {
        var stations = DashboardOptions.Read(new ConfigurationBuilder().Build());

        Assert.Equal(StationsOptions.Defaults.Select(s => (s.Id, s.TimeZone)), stations.Select(s => (s.Id, s.TimeZone)));
        Assert.Equal(["SMART188", "SMART189"], stations.Select(s => s.Name));
    }

    [Fact]
    public void One_station_set_in_the_environment_is_the_dashboard_host_s_whole_list()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Stations:0:Id"] = "900000001" })
            .Build();

        var station = Assert.Single(DashboardOptions.Read(configuration));
        Assert.Equal(("900000001", null, "UTC"), (station.Id, station.Name, station.TimeZone));
    }

    [Fact]
    public void A_stations_list_replaces_the_defaults()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Stations:0:Id"] = "900000001", ["Stations:0:Name"] = "Plateau", ["Stations:0:TimeZone"] = "Africa/Abidjan",
        }).Build();

        var station = Assert.Single(DashboardOptions.Read(configuration));
        Assert.Equal(("900000001", "Plateau", "Africa/Abidjan"), (station.Id, station.Name, station.TimeZone));
    }
}
