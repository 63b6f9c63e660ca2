using Harmattan.AirQinoSimulator;
using Harmattan.Extractor;
using Harmattan.Tests.Extractor;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Harmattan.Tests.Authentication;

/// <summary>The extractor's AirQino client against the simulator's Keycloak-like token endpoint, on a fake clock.</summary>
public sealed class AirQinoTokenTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset WindowStart = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string Station = SyntheticAirQino.StationId(0);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly FakeTimeProvider _time = new(Now);
    private readonly LogCapture _logs = new();
    private readonly List<ServiceProvider> _providers = [];
    private AirQinoSimulatorHost _simulator = null!;

    private SimulatorTokenOptions Accounts => _simulator.Tokens.Options;

    public async ValueTask InitializeAsync() =>
        _simulator = await AirQinoSimulatorHost.StartAsync(new SimulatorOptions
        {
            SyntheticStations = 1, Days = 10, Now = Now, TimeProvider = _time,
            Tokens = new SimulatorTokenOptions
            {
                RequireToken = true,
                AccessTokenLifetime = TimeSpan.FromMinutes(5),
                RefreshTokenLifetime = TimeSpan.FromMinutes(30),
            },
        }, Ct);

    public async ValueTask DisposeAsync()
    {
        foreach (var provider in _providers)
            await provider.DisposeAsync();
        await _simulator.DisposeAsync();
    }

    private AirQinoClient Client(Action<Dictionary<string, string?>>? configure = null, bool passwordGrant = true)
    {
        var settings = ExtractorTestServices.Settings(_simulator.BaseUrl);
        settings["AirQino:RetryAttempts"] = "0";
        settings["AirQino:TokenUrl"] = _simulator.TokenUrl;
        settings["AirQino:ClientId"] = Accounts.ClientId;
        settings["AirQino:ClientSecret"] = Accounts.ClientSecret;
        if (passwordGrant)
        {
            settings["AirQino:Username"] = Accounts.Username;
            settings["AirQino:Password"] = Accounts.Password;
        }
        configure?.Invoke(settings);

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(_logs));
        services.AddSingleton<TimeProvider>(_time);
        services.AddExtractor(configuration);
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        return provider.GetRequiredService<AirQinoClient>();
    }

    private static Task<AirQinoFetch> FetchAsync(AirQinoClient client) =>
        client.GetHourlyAsync(Station, WindowStart, WindowStart.AddDays(1), Ct);

    [Fact]
    public async Task The_token_is_reused_until_30_seconds_before_it_expires_then_renewed_with_the_refresh_grant()
    {
        var client = Client();

        var first = await FetchAsync(client);
        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(31));
        await FetchAsync(client);
        Assert.Equal((1, 0), (_simulator.Tokens.PasswordGrants, _simulator.Tokens.RefreshGrants));

        _time.Advance(TimeSpan.FromSeconds(2));
        await FetchAsync(client);

        Assert.Equal((1, 1), (_simulator.Tokens.PasswordGrants, _simulator.Tokens.RefreshGrants));
        Assert.Equal(24, first.RowsInWindow);
        Assert.Equal(3, _simulator.Tokens.AcceptedRequests);
        Assert.Equal(0, _simulator.Tokens.RefusedRequests);
    }

    [Fact]
    public async Task An_expired_refresh_token_falls_back_to_the_password_grant()
    {
        var client = Client();

        await FetchAsync(client);
        _time.Advance(TimeSpan.FromMinutes(31));
        await FetchAsync(client);

        Assert.Equal((2, 0), (_simulator.Tokens.PasswordGrants, _simulator.Tokens.RefreshGrants));
        Assert.Equal(0, _simulator.Tokens.RefusedRequests);
    }

    [Fact]
    public async Task A_refused_refresh_token_falls_back_to_the_password_grant()
    {
        var client = Client();

        await FetchAsync(client);
        _simulator.Tokens.RevokeRefreshTokens();
        _time.Advance(TimeSpan.FromMinutes(10));
        await FetchAsync(client);

        Assert.Equal((2, 0, 1), (_simulator.Tokens.PasswordGrants, _simulator.Tokens.RefreshGrants, _simulator.Tokens.RefusedGrants));
        Assert.Contains("refresh token could not be used", _logs.Text);
    }

    [Fact]
    public async Task A_401_is_retried_once_with_a_fresh_token()
    {
        var client = Client();
        await FetchAsync(client);

        _simulator.Tokens.RevokeAccessTokens();
        var fetch = await FetchAsync(client);

        Assert.Equal(24, fetch.RowsInWindow);
        Assert.Equal(1, _simulator.Tokens.RefusedRequests);
        Assert.Equal(1, _simulator.Tokens.RefreshGrants);
        Assert.Equal(1, _simulator.Stats.Count(Station, 401));
        Assert.Equal(2, _simulator.Stats.Count(Station, 200));
    }

    [Theory]
    [InlineData(System.Net.HttpStatusCode.Unauthorized, 2)]
    [InlineData(System.Net.HttpStatusCode.Forbidden, 1)]
    public async Task A_refusal_of_a_valid_token_says_the_account_may_not_read_the_station_not_that_a_token_is_missing(
        System.Net.HttpStatusCode status, int requests)
    {
        var client = Client();
        _simulator.Faults.ServerErrorStatus = status;
        _simulator.Faults.FailNext(2);

        var error = await Assert.ThrowsAsync<AirQinoResponseException>(() => FetchAsync(client));

        Assert.Equal(status, error.StatusCode);
        Assert.Contains($"although it carried an access token from {_simulator.TokenUrl}", error.Message);
        Assert.Contains("check that the account of AirQino:ClientId (or AirQino:Username) may read this station.", error.Message);
        Assert.DoesNotContain("set AirQino:TokenUrl", error.Message);
        Assert.Equal(requests, _simulator.Stats.Requests(Station));
    }

    [Fact]
    public async Task Concurrent_requests_share_one_token()
    {
        var client = Client();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => FetchAsync(client)));

        Assert.Equal(1, _simulator.Tokens.PasswordGrants);
        Assert.Equal(8, _simulator.Tokens.AcceptedRequests);
    }

    [Fact]
    public async Task Without_a_username_the_client_credentials_grant_is_used()
    {
        var client = Client(passwordGrant: false);

        await FetchAsync(client);
        _time.Advance(TimeSpan.FromMinutes(5));
        await FetchAsync(client);

        Assert.Equal((0, 2), (_simulator.Tokens.PasswordGrants, _simulator.Tokens.ClientCredentialsGrants));
    }

    [Fact]
    public async Task A_wrong_password_gives_an_error_naming_the_token_url_and_the_status_and_no_secret()
    {
        const string wrongPassword = "not-the-password-4d1f";
        var client = Client(s => s["AirQino:Password"] = wrongPassword);

        var error = await Assert.ThrowsAsync<AirQinoResponseException>(() => FetchAsync(client));

        Assert.Contains(_simulator.TokenUrl, error.Message);
        Assert.Contains("401", error.Message);
        Assert.Contains("AirQino:Password", error.Message);
        Assert.Equal(0, _simulator.Tokens.AcceptedRequests + _simulator.Tokens.RefusedRequests);
        AssertNoSecret(error.ToString(), wrongPassword, Accounts.ClientSecret);
        AssertNoSecret(_logs.Text, wrongPassword, Accounts.ClientSecret);
    }

    [Fact]
    public async Task A_wrong_client_secret_gives_an_error_naming_the_token_url_and_no_secret()
    {
        const string wrongSecret = "wrong-client-secret-93ab";
        var client = Client(s => s["AirQino:ClientSecret"] = wrongSecret, passwordGrant: false);

        var error = await Assert.ThrowsAsync<AirQinoResponseException>(() => FetchAsync(client));

        Assert.Contains(_simulator.TokenUrl, error.Message);
        Assert.Contains("401", error.Message);
        Assert.Contains("unauthorized_client", error.Message);
        AssertNoSecret(error.ToString(), wrongSecret);
        AssertNoSecret(_logs.Text, wrongSecret);
    }

    [Fact]
    public async Task Successful_requests_log_no_credential_and_no_token()
    {
        var client = Client();
        await FetchAsync(client);
        _time.Advance(TimeSpan.FromMinutes(6));
        await FetchAsync(client);

        Assert.Contains("Obtained an AirQino access token", _logs.Text);
        AssertNoSecret(_logs.Text, Accounts.Password, Accounts.ClientSecret);
        Assert.DoesNotContain("Bearer ", _logs.Text);
        // Two grants, each an access and a refresh token.
        Assert.Equal(4, _simulator.Tokens.Issued.Count);
        AssertNoSecret(_logs.Text, [.. _simulator.Tokens.Issued]);
    }

    [Fact]
    public async Task Without_a_token_url_requests_are_anonymous_and_a_401_says_how_to_configure_a_token()
    {
        var client = Client(s =>
        {
            s.Remove("AirQino:TokenUrl");
            s.Remove("AirQino:ClientId");
            s.Remove("AirQino:ClientSecret");
            s.Remove("AirQino:Username");
            s.Remove("AirQino:Password");
        });

        var error = await Assert.ThrowsAsync<AirQinoResponseException>(() => FetchAsync(client));

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Contains("AirQino:TokenUrl", error.Message);
        Assert.Equal(0, _simulator.Tokens.PasswordGrants + _simulator.Tokens.ClientCredentialsGrants + _simulator.Tokens.RefusedGrants);
    }

    private static void AssertNoSecret(string text, params string[] secrets)
    {
        foreach (var secret in secrets)
            Assert.False(text.Contains(secret, StringComparison.Ordinal), $"a secret leaked into:\n{text}");
    }
}
