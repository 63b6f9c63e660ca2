using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Harmattan.AirQinoSimulator;

/// <summary>
/// An AirQino-compatible HTTP server: <c>GET /v3/getStationHourlyAvg/{id}?start_date=yyyyMMdd-HHmm&amp;end_date=...</c>
/// answers <c>{"header": {...}, "data": [...]}</c> from recorded files or the synthetic series, with injectable faults;
/// <c>GET /</c> says what it serves, <c>GET /_sim/stats</c> counts requests per station and status, <c>/health/live</c>
/// and <c>/health/ready</c> answer once it listens; with <see cref="SimulatorTokenOptions.RequireToken"/> the data wants
/// a bearer token from <see cref="SimulatorTokens"/>.
/// </summary>
public sealed class AirQinoSimulatorHost : IAsyncDisposable
{
    public const string DateFormat = "yyyyMMdd-HHmm";

    /// <summary>The longest range one request may ask for: the extractor asks for 7 days, the 2023 API served a year.</summary>
    public const int MaxRequestDays = 3660;

    private readonly WebApplication _app;
    private readonly SimulatorOptions _options;
    private readonly RecordedStations? _recorded;
    private readonly HashSet<string> _synthetic;
    private readonly SyntheticAirQino _generator;

    private AirQinoSimulatorHost(WebApplication app, SimulatorOptions options, RecordedStations? recorded)
    {
        _app = app;
        _options = options;
        _recorded = recorded;
        SyntheticStationIds = options.SyntheticStationIds();
        _synthetic = new HashSet<string>(SyntheticStationIds, StringComparer.Ordinal);
        _generator = new SyntheticAirQino(options.Seed);
        Tokens = new SimulatorTokens(options.Tokens, () => options.TimeProvider.GetUtcNow());
    }

    public string BaseUrl { get; private set; } = "";
    public SimulatorFaults Faults => _options.Faults;
    public SimulatorStats Stats { get; } = new();
    public SimulatorTokens Tokens { get; }
    public string TokenUrl => BaseUrl + SimulatorTokenOptions.TokenPath;
    public IReadOnlyList<string> SyntheticStationIds { get; }

    /// <exception cref="DirectoryNotFoundException"><see cref="SimulatorOptions.DataDirectory"/> does not exist or is a file.</exception>
    public static async Task<AirQinoSimulatorHost> StartAsync(SimulatorOptions options, CancellationToken cancellationToken = default)
    {
        var recorded = options.DataDirectory is { Length: > 0 } directory ? new RecordedStations(directory) : null;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(AirQinoSimulatorHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        builder.WebHost.UseUrls(options.Urls);
        builder.Logging.ClearProviders();
        if (options.LogToConsole)
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning)
                // A start that fails (a port in use) is said once, in the caller's words, not also as a logged stack trace.
                .AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);

        var app = builder.Build();
        var host = new AirQinoSimulatorHost(app, options, recorded);
        app.MapGet("/v3/getStationHourlyAvg/{id}", (HttpContext http, string id) => host.ServeHourlyAsync(http, id));
        app.MapGet("/", host.ServeDescriptionAsync);
        app.MapGet("/health/live", () => "Healthy");
        app.MapGet("/health/ready", () => "Healthy");
        app.MapGet("/_sim/stats", host.ServeStatsAsync);
        app.MapPost(SimulatorTokenOptions.TokenPath, host.Tokens.ServeTokenAsync);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host.BaseUrl = address.Replace("://[::]", "://localhost", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal).TrimEnd('/');
        return host;
    }

    /// <summary>Runs until Ctrl+C / SIGTERM.</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>The end of every synthetic series for a request now: the hour in progress.</summary>
    public DateTimeOffset SeriesEnd()
    {
        var now = _options.Now ?? _options.TimeProvider.GetUtcNow();
        return new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerHour, TimeSpan.Zero);
    }

    private async Task ServeHourlyAsync(HttpContext http, string id)
    {
        // Counted as the answer starts, before the client can read any of it: whoever reads the counts once its request
        // has been answered finds that request among them.
        http.Response.OnStarting(() =>
        {
            Stats.Record(id, http.Response.StatusCode);
            return Task.CompletedTask;
        });
        await AnswerAsync(http, id);
    }

    private async Task<int> AnswerAsync(HttpContext http, string id)
    {
        if (!Tokens.Authorize(http))
            return await ErrorAsync(http, StatusCodes.Status401Unauthorized, "a valid bearer token is required");
        var requestNumber = Stats.NextRequestNumber(id);
        var faults = _options.Faults;
        if (faults.Delay > TimeSpan.Zero)
            await Task.Delay(faults.Delay, http.RequestAborted);

        var fault = faults.Decide(_options.Seed, id, requestNumber);
        switch (fault)
        {
            case SimulatedFault.ServerError:
                return await ErrorAsync(http, (int)faults.ServerErrorStatus, "simulated server error");
            case SimulatedFault.Throttle:
                http.Response.Headers.RetryAfter = faults.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                return await ErrorAsync(http, StatusCodes.Status429TooManyRequests, "simulated throttling");
        }

        DateTimeOffset? from = null, to = null;
        if (!_options.IgnoreDates)
        {
            if (!TryParseDate(http.Request.Query["start_date"], out from) || !TryParseDate(http.Request.Query["end_date"], out to))
                return await ErrorAsync(http, StatusCodes.Status400BadRequest, $"start_date and end_date must look like {DateFormat}");
            if (_options.AnyRange && (from is not null || to is not null)
                && DatedRange(from, to) is var (first, end) && end - first > TimeSpan.FromDays(MaxRequestDays))
                return await ErrorAsync(http, StatusCodes.Status400BadRequest, $"ask for at most {MaxRequestDays} days per request");
        }

        var body = new ArrayBufferWriter<byte>(64 * 1024);
        using (var writer = new Utf8JsonWriter(body))
        {
            if (!TryWriteResponse(writer, id, from, to))
                return await ErrorAsync(http, StatusCodes.Status404NotFound, $"unknown station {id}");
        }

        var bytes = body.WrittenMemory;
        if (fault == SimulatedFault.Truncate)
            bytes = bytes[..(bytes.Length / 2)];
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = bytes.Length;
        await http.Response.Body.WriteAsync(bytes, http.RequestAborted);
        return StatusCodes.Status200OK;
    }

    private bool TryWriteResponse(Utf8JsonWriter writer, string id, DateTimeOffset? from, DateTimeOffset? to)
    {
        var recorded = _recorded?.Find(id);
        var synthetic = _synthetic.Contains(id) || (_options.AnyStation && StationIdRule.IsValid(id));
        if (recorded is null && !synthetic)
            return false;
        var dated = from is not null || to is not null;

        // A recording replaces the synthetic series for the hours it spans; a dated request for a station that is also
        // served synthetically gets synthetic hours before and after it.
        (DateTimeOffset From, DateTimeOffset To) before = default, after = default;
        var recordedRows = recorded is not null;
        if (recorded?.Span is { } span && synthetic && dated && _options.AnyRange)
        {
            var (first, end) = DatedRange(from, to);
            before = (first, end < span.First ? end : span.First);
            after = (first > span.Last.AddHours(1) ? first : span.Last.AddHours(1), end);
            recordedRows = first <= span.Last && end > span.First;
        }
        var fills = before.From < before.To || after.From < after.To;

        writer.WriteStartObject();
        writer.WriteStartObject("header");
        writer.WriteString("station_id", id);
        writer.WriteString("source", (recordedRows, fills) switch
        {
            (true, true) => "recorded+synthetic",
            (true, false) => "recorded",
            _ => "synthetic",
        });
        writer.WriteString("generator", "Harmattan.AirQinoSimulator");
        writer.WriteEndObject();
        writer.WriteStartArray("data");
        if (recorded is not null)
        {
            _generator.WriteRange(writer, id, before.From, before.To);
            foreach (var row in recorded.Rows)
            {
                if (dated && (row.Hour is not { } hour || hour < from || hour >= to))
                    continue;
                writer.WriteRawValue(row.Json(recorded.Bytes), skipInputValidation: true);
            }
            _generator.WriteRange(writer, id, after.From, after.To);
        }
        else if (!dated || !_options.AnyRange)
        {
            _generator.WriteRows(writer, id, SeriesEnd(), _options.Days, from, to);
        }
        else
        {
            var (first, end) = DatedRange(from, to);
            _generator.WriteRange(writer, id, first, end);
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        return true;
    }

    /// <summary>
    /// The synthetic hours a dated request gets: its whole range however old (from the start of the undated series when
    /// it gives no start), never past the hour in progress.
    /// </summary>
    private (DateTimeOffset From, DateTimeOffset To) DatedRange(DateTimeOffset? from, DateTimeOffset? to)
    {
        var end = SeriesEnd().AddHours(1);
        return (from ?? SyntheticAirQino.SeriesHours(SeriesEnd(), _options.Days).First, to is { } t && t < end ? t : end);
    }

    /// <summary>What this simulator serves, one line each: printed at start and answered at <c>GET /</c>.</summary>
    public IReadOnlyList<string> Describe()
    {
        var lines = new List<string>();
        if (_recorded is not null)
        {
            foreach (var file in _recorded.Files)
            {
                var station = _recorded.Load(file);
                lines.Add(station.Span is { } span
                    ? string.Create(CultureInfo.InvariantCulture,
                        $"recorded: {file}, {station.RowCount} rows from {span.First:yyyy-MM-dd HH:mm}Z to {span.Last:yyyy-MM-dd HH:mm}Z")
                    : $"recorded: {file}, {station.RowCount} rows without timestamps");
            }
            if (_recorded.Files.Count == 0)
                lines.Add($"recorded: none, {_recorded.Directory} holds no *.json file: every station is served synthetic data");
        }
        var examples = SyntheticStationIds.Count > 0 ? $", e.g. {string.Join(", ", SyntheticStationIds)}" : "";
        if (_options.AnyStation)
            lines.Add($"synthetic (seed {_options.Seed}): any station id of {StationIdRule.Rule}{examples}" +
                      (_recorded is null ? "" : "; a recorded station's synthetic hours are those before and after its recording"));
        else if (SyntheticStationIds.Count > 0)
            lines.Add($"synthetic (seed {_options.Seed}): stations {string.Join(", ", SyntheticStationIds)}; any other id is answered 404");
        var seriesEnd = SeriesEnd().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        lines.Add(_options switch
        {
            { IgnoreDates: true } when _recorded is not null =>
                $"dates ignored, as the 2023 API did: a recorded station gets its whole recording, a synthetic one the last {_options.Days} days up to {seriesEnd}Z",
            { IgnoreDates: true } => $"dates ignored: every request gets the last {_options.Days} days up to {seriesEnd}Z, as the 2023 API did",
            { AnyRange: false } => $"dates: synthetic data for the last {_options.Days} days up to {seriesEnd}Z only",
            _ => $"dates: any range of at most {MaxRequestDays} days up to the hour in progress ({seriesEnd}Z); without dates the last {_options.Days} days",
        });
        lines.Add($"faults: {_options.Faults}");
        if (_options.Tokens.RequireToken)
            lines.Add($"bearer token required: POST {TokenUrl} (client {_options.Tokens.ClientId}, " +
                      $"tokens valid {_options.Tokens.AccessTokenLifetime.TotalSeconds:0} s)");
        return lines;
    }

    private async Task ServeDescriptionAsync(HttpContext http)
    {
        var body = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(body, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("simulator", "Harmattan.AirQinoSimulator");
            writer.WriteString("data", "simulated: recorded or synthetic AirQino responses, not live measurements");
            writer.WriteString("endpoint", $"/v3/getStationHourlyAvg/{{id}}?start_date={DateFormat}&end_date={DateFormat}");
            writer.WriteStartArray("serves");
            foreach (var line in Describe())
                writer.WriteStringValue(line);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(body.WrittenMemory, http.RequestAborted);
    }

    private static bool TryParseDate(string? text, out DateTimeOffset? value)
    {
        value = null;
        if (string.IsNullOrEmpty(text))
            return true;
        if (!DateTimeOffset.TryParseExact(text, DateFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
            return false;
        value = parsed;
        return true;
    }

    private static async Task<int> ErrorAsync(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync($"{{\"error\":{JsonSerializer.Serialize(message)}}}", http.RequestAborted);
        return status;
    }

    private async Task ServeStatsAsync(HttpContext http)
    {
        var body = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(body, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("total", Stats.Total);
            writer.WriteStartObject("stations");
            foreach (var (station, byStatus) in Stats.Snapshot())
            {
                writer.WriteStartObject(station);
                foreach (var (status, count) in byStatus)
                    writer.WriteNumber(status.ToString(CultureInfo.InvariantCulture), count);
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(body.WrittenMemory, http.RequestAborted);
    }
}
