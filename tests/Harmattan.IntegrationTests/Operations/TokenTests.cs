using Harmattan.AirQinoSimulator;

namespace Harmattan.IntegrationTests.Operations;

/// <summary>The extractor as a process against a simulator that wants a bearer token with a short life.</summary>
public sealed class TokenTests : IAsyncLifetime
{
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromSeconds(4);
    private ReplayRedrivePipeline _pipeline = null!;

    private SimulatorTokens Tokens => _pipeline.Simulator.Tokens;

    public async ValueTask InitializeAsync() =>
        _pipeline = await ReplayRedrivePipeline.StartAsync(new SimulatorTokenOptions
        {
            RequireToken = true,
            AccessTokenLifetime = TokenLifetime,
            RefreshTokenLifetime = TimeSpan.FromMinutes(5),
        });

    public async ValueTask DisposeAsync()
    {
        if (_pipeline is not null)
            await _pipeline.DisposeAsync();
    }

    private Task StartExtractorAsync(string password) =>
        _pipeline.StartServiceAsync("Extractor",
            ("AirQino__TokenUrl", _pipeline.Simulator.TokenUrl),
            ("AirQino__ClientId", Tokens.Options.ClientId),
            ("AirQino__ClientSecret", Tokens.Options.ClientSecret),
            ("AirQino__Username", Tokens.Options.Username),
            ("AirQino__Password", password),
            ("Bus__RetryLimit", "0"));

    private Task<(int Exit, string Output)> BackfillAsync(string day) =>
        _pipeline.CliAsync("backfill", "--station", ReplayRedrivePipeline.Station, "--from", day, "--to", day,
            "--db", _pipeline.DbPath, "--idle-timeout", "00:01:00");

    [Fact]
    public async Task The_extractor_fetches_with_a_token_and_renews_it_with_the_refresh_grant_after_it_expires()
    {
        await StartExtractorAsync(Tokens.Options.Password);
        await _pipeline.StartServiceAsync("Transformer");
        await _pipeline.StartServiceAsync("Loader");

        var first = await BackfillAsync("2026-03-01");
        await Task.Delay(TokenLifetime, TestContext.Current.CancellationToken);
        var second = await BackfillAsync("2026-03-02");

        Assert.True(first.Exit == 0 && second.Exit == 0, first.Output + second.Output + _pipeline.AllServiceOutput);
        Assert.Contains("Days stored: 1 of 1", second.Output);
        Assert.Equal((1, 1), (Tokens.PasswordGrants, Tokens.RefreshGrants));
        Assert.Equal((2, 0), (Tokens.AcceptedRequests, Tokens.RefusedRequests));
        Assert.DoesNotContain(Tokens.Options.Password, _pipeline.AllServiceOutput);
        Assert.DoesNotContain(Tokens.Options.ClientSecret, _pipeline.AllServiceOutput);
        Assert.Equal(4, Tokens.Issued.Count);
        Assert.All(Tokens.Issued, token => Assert.DoesNotContain(token, _pipeline.AllServiceOutput));
    }

    [Fact]
    public async Task A_wrong_password_fails_the_fetch_with_the_token_url_and_status_and_no_secret()
    {
        const string wrongPassword = "wrong-password-7c1e";
        await StartExtractorAsync(wrongPassword);
        await _pipeline.StartServiceAsync("Transformer");
        await _pipeline.StartServiceAsync("Loader");

        var (exit, output) = await BackfillAsync("2026-03-01");

        Assert.Equal(1, exit);
        Assert.True(output.Contains(_pipeline.Simulator.TokenUrl), output + _pipeline.AllServiceOutput);
        Assert.Contains("401", output);
        Assert.Equal(0, Tokens.AcceptedRequests + Tokens.RefusedRequests);
        Assert.DoesNotContain(wrongPassword, output + _pipeline.AllServiceOutput);
        Assert.DoesNotContain(Tokens.Options.ClientSecret, output + _pipeline.AllServiceOutput);
    }
}
