using Harmattan.Dashboard;

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
}
