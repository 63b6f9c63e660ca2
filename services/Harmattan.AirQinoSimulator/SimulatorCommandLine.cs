using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace Harmattan.AirQinoSimulator;

/// <summary>The simulator's command line: its switches, read into <see cref="SimulatorOptions"/>.</summary>
public static class SimulatorCommandLine
{
    public const string DefaultUrls = "http://127.0.0.1:5080";
    public static readonly IReadOnlyList<string> DefaultStationIds = ["283164601", "283181971"];

    /// <summary>An argument starting with @ is a value (a password may), not a file of arguments to read.</summary>
    public static ParserConfiguration Parsing { get; } = new() { ResponseFileTokenReplacer = null };

    /// <summary>
    /// Serves until stopped (Ctrl-C, SIGTERM); exits 2 with one line on <paramref name="error"/> when the simulator cannot
    /// start as asked: a folder of recordings missing or unreadable, an address in use or malformed.
    /// </summary>
    public static async Task<int> ServeAsync(SimulatorOptions options, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        AirQinoSimulatorHost simulator;
        try
        {
            simulator = await AirQinoSimulatorHost.StartAsync(options, cancellationToken);
        }
        catch (Exception e) when (StartProblem(e, options) is { } problem)
        {
            await error.WriteLineAsync($"error: {problem}");
            return 2;
        }
        await using var running = simulator;
        IReadOnlyList<string> description;
        try
        {
            // Reads every recording, so that one it cannot serve stops it before it says it listens.
            description = simulator.Describe();
        }
        catch (InvalidDataException e)
        {
            await error.WriteLineAsync($"error: --data: {e.Message}");
            return 2;
        }
        await output.WriteLineAsync($"AirQino simulator listening on {simulator.BaseUrl}");
        await output.WriteLineAsync($"  GET {simulator.BaseUrl}/v3/getStationHourlyAvg/{{id}}?start_date={AirQinoSimulatorHost.DateFormat}&end_date={AirQinoSimulatorHost.DateFormat}");
        await output.WriteLineAsync($"  GET {simulator.BaseUrl}/ (what it serves), {simulator.BaseUrl}/_sim/stats, {simulator.BaseUrl}/health/ready");
        foreach (var line in description)
            await output.WriteLineAsync($"  {line}");
        await output.WriteLineAsync("Press Ctrl+C to stop.");
        await simulator.WaitForShutdownAsync(cancellationToken);
        return 0;
    }

    private static string? StartProblem(Exception e, SimulatorOptions options) => e switch
    {
        DirectoryNotFoundException => e.Message,
        UnauthorizedAccessException => $"--data {options.DataDirectory} cannot be read: {e.Message}",
        IOException { InnerException: AddressInUseException } =>
            $"{options.Urls} is in use by another program: pick another port (--urls http://127.0.0.1:PORT)",
        IOException or SocketException => $"--urls {options.Urls}: {e.Message}",
        FormatException or ArgumentOutOfRangeException =>
            $"--urls {options.Urls} is not an address to listen on ({e.Message}): give one like http://127.0.0.1:5080",
        // Kestrel's answer to https without a certificate: the simulator serves plain http, as a test double needs.
        InvalidOperationException when options.Urls.Contains("https:", StringComparison.OrdinalIgnoreCase) =>
            $"--urls {options.Urls}: the simulator serves http only: give one like http://127.0.0.1:5080",
        _ => null,
    };

    /// <summary>The command, which hands the options it read to <paramref name="serve"/>.</summary>
    public static RootCommand Create(Func<SimulatorOptions, CancellationToken, Task<int>> serve)
    {
        var defaults = new SimulatorOptions();
        // Given twice, the last counts: the image's entry point gives one, which a `docker run IMAGE --urls ...` overrides.
        var urls = new Option<string[]>("--urls")
        {
            HelpName = "URL", Description = $"Listen address (default {DefaultUrls}; the last one given counts).", Arity = ArgumentArity.OneOrMore,
        };
        var data = new Option<string?>("--data") { HelpName = "DIR", Description = "Recorded responses, one file per station: <id>.json or *_<id>_*.json." };
        var syntheticStations = WholeNumber("--synthetic-stations", "N", 0,
            "Serve only N synthetic stations 900000001, 900000002, ... (and --station, --data).");
        var stations = new Option<string[]>("--station") { HelpName = "ID", Description = "Serve only these ids with synthetic data (repeatable; and --data)." };
        var days = WholeNumber("--days", "D", 1, "Days served to a request without dates or with --ignore-dates.", defaults.Days);
        var seed = WholeNumber("--seed", "S", int.MinValue, "Synthetic data and fault seed.", defaults.Seed);
        var now = new Option<DateTimeOffset?>("--now")
        {
            HelpName = "INSTANT",
            Description = "End of the synthetic series, e.g. 2023-12-10T00:00Z (default: now).",
            CustomParser = result => Instant(result),
        };
        var ignoreDates = new Option<bool>("--ignore-dates") { Description = "Ignore start_date/end_date and serve the whole series, as the 2023 API did." };
        var failRate = Rate("--fail-rate", "R", "Share of requests answered 503.");
        var throttleRate = Rate("--throttle-rate", "R", "Share of requests answered 429 with Retry-After: 1.");
        var truncateRate = Rate("--truncate-rate", "R", "Share of responses cut in the middle of the JSON.");
        var delay = WholeNumber("--delay-ms", "MS", 0, "Milliseconds to wait before every answer.");
        var requireToken = new Option<bool>("--require-token")
        {
            Description = "Data needs a bearer token from POST /realms/airqino/protocol/openid-connect/token.",
        };
        var tokenLifetime = WholeNumber("--token-lifetime", "S", 1, "Access token lifetime in seconds (refresh tokens live 6 times longer).",
            (int)defaults.Tokens.AccessTokenLifetime.TotalSeconds);
        var clientId = Text("--client-id", "ID", "Token endpoint client.", defaults.Tokens.ClientId);
        var clientSecret = Text("--client-secret", "SECRET", "Client secret (empty: a public client).", defaults.Tokens.ClientSecret);
        var username = Text("--username", "NAME", "Password grant user.", defaults.Tokens.Username);
        var password = Text("--password", "PASSWORD", "Password grant password.", defaults.Tokens.Password);

        var command = new RootCommand(
            "An AirQino-compatible server for Harmattan, with no network and no account. Without --synthetic-stations or --station, " +
            $"any station id ({StationIdRule.Rule}) is served, synthetic (deterministic per station and hour) except for the hours a " +
            $"recording in --data spans. A request with start_date/end_date gets any range of up to {AirQinoSimulatorHost.MaxRequestDays} " +
            "days, up to the hour in progress.")
        {
            urls, data, syntheticStations, stations, days, seed, now, ignoreDates, failRate, throttleRate, truncateRate, delay,
            requireToken, tokenLifetime, clientId, clientSecret, username, password,
        };
        command.SetAction((result, cancellationToken) =>
        {
            var options = new SimulatorOptions
            {
                Urls = result.GetValue(urls) is [.., var last] ? last : DefaultUrls,
                DataDirectory = result.GetValue(data),
                SyntheticStations = result.GetValue(syntheticStations),
                StationIds = [.. result.GetValue(stations) ?? []],
                Days = result.GetValue(days),
                Seed = result.GetValue(seed),
                Now = result.GetValue(now),
                IgnoreDates = result.GetValue(ignoreDates),
                Faults =
                {
                    FailRate = result.GetValue(failRate),
                    ThrottleRate = result.GetValue(throttleRate),
                    TruncateRate = result.GetValue(truncateRate),
                    Delay = TimeSpan.FromMilliseconds(result.GetValue(delay)),
                },
                Tokens =
                {
                    RequireToken = result.GetValue(requireToken),
                    AccessTokenLifetime = TimeSpan.FromSeconds(result.GetValue(tokenLifetime)),
                    RefreshTokenLifetime = TimeSpan.FromSeconds(result.GetValue(tokenLifetime)) * 6,
                    ClientId = result.GetValue(clientId)!,
                    ClientSecret = result.GetValue(clientSecret)!,
                    Username = result.GetValue(username)!,
                    Password = result.GetValue(password)!,
                },
                LogToConsole = true,
            };
            if (options.SyntheticStations == 0 && options.StationIds.Count == 0)
            {
                options.AnyStation = true;
                // Named as examples when nothing is recorded: the stations a default extractor asks for.
                if (options.DataDirectory is null)
                    foreach (var id in DefaultStationIds)
                        options.StationIds.Add(id);
            }
            return serve(options, cancellationToken);
        });
        return command;
    }

    private static Option<int> WholeNumber(string name, string helpName, int min, string description, int defaultValue = 0) => new(name)
    {
        HelpName = helpName,
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            if (result.Tokens is not [{ Value: var text }])
                return default;
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min)
                return value;
            result.AddError($"{name} must be a whole number of at least {min}, not '{text}'.");
            return default;
        },
    };

    private static Option<double> Rate(string name, string helpName, string description) => new(name)
    {
        HelpName = helpName,
        Description = description + " From 0 to 1.",
        CustomParser = result =>
        {
            if (result.Tokens is not [{ Value: var text }])
                return default;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value is >= 0 and <= 1)
                return value;
            result.AddError($"{name} must be a number from 0 to 1, not '{text}'.");
            return default;
        },
    };

    private static Option<string> Text(string name, string helpName, string description, string defaultValue) =>
        new(name) { HelpName = helpName, Description = description, DefaultValueFactory = _ => defaultValue };

    private static DateTimeOffset? Instant(ArgumentResult result)
    {
        if (result.Tokens is not [{ Value: var text }])
            return null;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
            return value;
        result.AddError($"--now must be an instant such as 2023-12-10T00:00Z, not '{text}'.");
        return null;
    }
}
