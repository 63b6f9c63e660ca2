using System.Globalization;

namespace Harmattan.AirQinoSimulator;

/// <summary>Plain argument parsing for the simulator's command line.</summary>
public static class SimulatorCommandLine
{
    public const string DefaultUrls = "http://127.0.0.1:5080";
    public static readonly IReadOnlyList<string> DefaultStationIds = ["283164601", "283181971"];

    public static readonly string Usage = $"""
        Usage: Harmattan.AirQinoSimulator [options]
          --urls URL                 listen address (default http://127.0.0.1:5080)
          --data DIR                 recorded responses, one file per station: <id>.json or *_<id>_*.json
          --synthetic-stations N     serve only N synthetic stations 900000001, 900000002, ... (and --station, --data)
          --station ID               serve only these ids with synthetic data (repeatable; and --data)
          --days D                   days served to a request without dates or with --ignore-dates (default 365)
          --seed S                   synthetic data and fault seed (default 1)
          --now INSTANT              end of the synthetic series (default: now), e.g. 2023-12-10T00:00Z
          --ignore-dates             ignore start_date/end_date and serve the whole series, as the 2023 API did
          --fail-rate R              share of requests answered 503 (0..1)
          --throttle-rate R          share of requests answered 429 with Retry-After: 1 (0..1)
          --truncate-rate R          share of responses cut in the middle of the JSON (0..1)
          --delay-ms MS              wait before every answer
          --require-token            data needs a bearer token from POST /realms/airqino/protocol/openid-connect/token
          --token-lifetime S         access token lifetime in seconds (default 300; refresh tokens live 6 times longer)
          --client-id ID             token endpoint client (default harmattan)
          --client-secret SECRET     client secret (default simulator-client-secret; empty: a public client)
          --username NAME            password grant user (default harmattan)
          --password PASSWORD        password grant password (default simulator-password)
        Without --synthetic-stations or --station, any station id ({StationIdRule.Rule}) is served,
        synthetic (deterministic per station and hour) except for the hours a recording in --data spans.
        A request with start_date/end_date gets any range of up to {AirQinoSimulatorHost.MaxRequestDays} days, up to the hour in progress.
        """;

    /// <summary>The options, or null when help was asked for.</summary>
    /// <exception cref="ArgumentException">An unknown option or a bad value.</exception>
    public static SimulatorOptions? Parse(IReadOnlyList<string> args)
    {
        var options = new SimulatorOptions { Urls = DefaultUrls, LogToConsole = true };
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{arg} needs a value.");
            switch (arg)
            {
                case "-h" or "--help" or "-?":
                    return null;
                case "--urls": options.Urls = Value(); break;
                case "--data": options.DataDirectory = Value(); break;
                case "--synthetic-stations": options.SyntheticStations = Int(arg, Value(), 0); break;
                case "--station": options.StationIds.Add(Value()); break;
                case "--days": options.Days = Int(arg, Value(), 1); break;
                case "--seed": options.Seed = Int(arg, Value(), int.MinValue); break;
                case "--now": options.Now = Instant(arg, Value()); break;
                case "--ignore-dates": options.IgnoreDates = true; break;
                case "--fail-rate": options.Faults.FailRate = Rate(arg, Value()); break;
                case "--throttle-rate": options.Faults.ThrottleRate = Rate(arg, Value()); break;
                case "--truncate-rate": options.Faults.TruncateRate = Rate(arg, Value()); break;
                case "--delay-ms": options.Faults.Delay = TimeSpan.FromMilliseconds(Int(arg, Value(), 0)); break;
                case "--require-token": options.Tokens.RequireToken = true; break;
                case "--token-lifetime":
                    options.Tokens.AccessTokenLifetime = TimeSpan.FromSeconds(Int(arg, Value(), 1));
                    options.Tokens.RefreshTokenLifetime = options.Tokens.AccessTokenLifetime * 6;
                    break;
                case "--client-id": options.Tokens.ClientId = Value(); break;
                case "--client-secret": options.Tokens.ClientSecret = Value(); break;
                case "--username": options.Tokens.Username = Value(); break;
                case "--password": options.Tokens.Password = Value(); break;
                default: throw new ArgumentException($"Unknown option {arg}.");
            }
        }
        if (options.SyntheticStations == 0 && options.StationIds.Count == 0)
        {
            options.AnyStation = true;
            // Named as examples when nothing is recorded: the stations a default extractor asks for.
            if (options.DataDirectory is null)
                foreach (var id in DefaultStationIds)
                    options.StationIds.Add(id);
        }
        return options;
    }

    private static int Int(string name, string text, int min) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min
            ? value
            : throw new ArgumentException($"{name} must be a whole number of at least {min}, not '{text}'.");

    private static double Rate(string name, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value is >= 0 and <= 1
            ? value
            : throw new ArgumentException($"{name} must be a number from 0 to 1, not '{text}'.");

    private static DateTimeOffset Instant(string name, string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : throw new ArgumentException($"{name} must be an instant such as 2023-12-10T00:00Z, not '{text}'.");
}
