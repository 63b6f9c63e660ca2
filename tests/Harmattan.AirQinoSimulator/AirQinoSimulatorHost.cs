using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Harmattan.AirQinoSimulator;

/// <summary>
/// An AirQino-compatible HTTP server: <c>GET /v3/getStationHourlyAvg/{id}?start_date=yyyyMMdd-HHmm&amp;end_date=...</c>
/// answers <c>{"header": {...}, "data": [...]}</c> from recorded files or the synthetic series, with injectable faults;
/// <c>GET /_sim/stats</c> counts requests per station and status; with <see cref="SimulatorTokenOptions.RequireToken"/>
/// the data wants a bearer token from <see cref="SimulatorTokens"/>.
/// </summary>
public sealed class AirQinoSimulatorHost : IAsyncDisposable
{
    public const string DateFormat = "yyyyMMdd-HHmm";

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
    public RecordedStations? Recorded => _recorded;

    /// <exception cref="DirectoryNotFoundException"><see cref="SimulatorOptions.DataDirectory"/> does not exist.</exception>
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
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);

        var app = builder.Build();
        var host = new AirQinoSimulatorHost(app, options, recorded);
        app.MapGet("/v3/getStationHourlyAvg/{id}", (HttpContext http, string id) => host.ServeHourlyAsync(http, id));
        app.MapGet("/_sim/stats", host.ServeStatsAsync);
        app.MapPost(SimulatorTokenOptions.TokenPath, host.Tokens.ServeTokenAsync);
        await app.StartAsync(cancellationToken);

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
        var status = await AnswerAsync(http, id);
        Stats.Record(id, status);
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
        if (recorded is null && !_synthetic.Contains(id))
            return false;

        writer.WriteStartObject();
        writer.WriteStartObject("header");
        writer.WriteString("station_id", id);
        writer.WriteString("source", recorded is null ? "synthetic" : "recorded");
        writer.WriteString("generator", "Harmattan.AirQinoSimulator");
        writer.WriteEndObject();
        writer.WriteStartArray("data");
        if (recorded is not null)
        {
            foreach (var row in recorded.Rows)
            {
                var filtered = from is not null || to is not null;
                if (filtered && (row.Hour is not { } hour || hour < from || hour >= to))
                    continue;
                writer.WriteRawValue(row.Json(recorded.Bytes), skipInputValidation: true);
            }
        }
        else
        {
            _generator.WriteRows(writer, id, SeriesEnd(), _options.Days, from, to);
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        return true;
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
