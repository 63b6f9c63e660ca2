using Harmattan.Extractor;

namespace Harmattan.Tests.Authentication;

public class AirQinoAuthenticationOptionsTests
{
    private const string TokenUrl = "https://airqino-auth.magentalab.it/realms/airqino/protocol/openid-connect/token";

    [Fact]
    public void Without_a_token_url_the_client_is_anonymous_and_valid() =>
        Assert.Null(AirQinoOptions.Validate(new AirQinoOptions()));

    [Theory]
    [InlineData("harmattan", "secret", null, null)]
    [InlineData("harmattan", null, "user", "password")]
    [InlineData("harmattan", "secret", "user", "password")]
    public void A_token_url_with_credentials_is_valid(string clientId, string? secret, string? username, string? password) =>
        Assert.Null(AirQinoOptions.Validate(new AirQinoOptions
        {
            TokenUrl = TokenUrl, ClientId = clientId, ClientSecret = secret, Username = username, Password = password,
        }));

    [Theory]
    [InlineData("airqino-auth.magentalab.it/token", "harmattan", "s", null, null, "AirQino:TokenUrl must be an absolute http(s) URL")]
    [InlineData("ftp://airqino-auth.magentalab.it/token", "harmattan", "s", null, null, "AirQino:TokenUrl must be an absolute http(s) URL")]
    [InlineData("https://user:pw@airqino-auth.magentalab.it/token", "harmattan", "s", null, null, "without user info")]
    [InlineData(TokenUrl, null, "s", null, null, "AirQino:ClientId is required")]
    [InlineData(TokenUrl, "harmattan", null, "user", null, "AirQino:Username and AirQino:Password go together")]
    [InlineData(TokenUrl, "harmattan", null, null, null, "without credentials")]
    [InlineData(null, "harmattan", "s", null, null, "AirQino:TokenUrl is not")]
    public void Incomplete_authentication_settings_are_refused_by_key(string? tokenUrl, string? clientId, string? secret,
        string? username, string? password, string expected)
    {
        var error = AirQinoOptions.Validate(new AirQinoOptions
        {
            TokenUrl = tokenUrl, ClientId = clientId, ClientSecret = secret, Username = username, Password = password,
        });

        Assert.NotNull(error);
        Assert.Contains(expected, error);
        if (password is not null)
            Assert.DoesNotContain(password, error);
    }
}
