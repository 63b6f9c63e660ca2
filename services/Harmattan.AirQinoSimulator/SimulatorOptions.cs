namespace Harmattan.AirQinoSimulator;

public sealed class SimulatorOptions
{
    /// <summary>Where to listen; port 0 picks a free port (see <see cref="AirQinoSimulatorHost.BaseUrl"/>).</summary>
    public string Urls { get; set; } = "http://127.0.0.1:0";

    /// <summary>A folder of recorded responses, one file per station (<c>&lt;id&gt;.json</c> or <c>*_&lt;id&gt;_*.json</c>).</summary>
    public string? DataDirectory { get; set; }

    /// <summary>How many synthetic stations to serve, with ids 900000001, 900000002, ...</summary>
    public int SyntheticStations { get; set; }

    /// <summary>More ids served with synthetic data (a recorded file for the same id wins).</summary>
    public IList<string> StationIds { get; set; } = [];

    /// <summary>
    /// Serve every id that passes <see cref="StationIdRule"/> (synthetic unless a recorded file has it), not only the
    /// listed ones; the command line's default. Off, an unlisted id is answered 404 as by the real API.
    /// </summary>
    public bool AnyStation { get; set; }

    /// <summary>
    /// Length of the synthetic series served to a request without dates (or with <see cref="IgnoreDates"/>); AirQino's v3
    /// endpoint was seen to return about a year. A request with dates gets any range up to <see cref="Now"/> unless
    /// <see cref="AnyRange"/> is off.
    /// </summary>
    public int Days { get; set; } = 365;

    /// <summary>A dated request gets synthetic data for any range; off, only the last <see cref="Days"/> days have data.</summary>
    public bool AnyRange { get; set; } = true;

    public int Seed { get; set; } = 1;

    /// <summary>The hour in progress that ends every synthetic series; null: the time provider's now.</summary>
    public DateTimeOffset? Now { get; set; }

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Serve the whole series whatever start_date and end_date say, as the 2023 API did.</summary>
    public bool IgnoreDates { get; set; }

    public SimulatorFaults Faults { get; set; } = new();

    /// <summary>The token endpoint's accounts and lifetimes; <see cref="SimulatorTokenOptions.RequireToken"/> turns it on.</summary>
    public SimulatorTokenOptions Tokens { get; set; } = new();

    /// <summary>Log requests to the console (the command line does; tests do not).</summary>
    public bool LogToConsole { get; set; }

    /// <summary>Every synthetic station id, in order, without repeats.</summary>
    public IReadOnlyList<string> SyntheticStationIds() =>
        Enumerable.Range(0, SyntheticStations).Select(SyntheticAirQino.StationId).Concat(StationIds).Distinct(StringComparer.Ordinal).ToArray();
}
