using System.Buffers;
using System.Text.Json;
using Harmattan.AirQinoSimulator;
using Harmattan.Cli.Pipeline;

namespace Harmattan.Testing;

/// <summary>
/// The benchmark's data: <c>stations</c> synthetic AirQino stations (the simulator's generator, seed 1) with
/// <c>days</c> whole UTC days of hourly rows ending on a fixed day, so every run serves the same bytes.
/// </summary>
public sealed class SyntheticDataset
{
    public const int Seed = 1;

    /// <summary>The last hour of every series: the series are whole days and never depend on the clock.</summary>
    public static readonly DateTimeOffset SeriesEnd = new(2025, 12, 31, 23, 0, 0, TimeSpan.Zero);

    private readonly SyntheticAirQino _generator = new(Seed);

    public SyntheticDataset(int stations, int days)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stations, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(days, 1);
        Days = days;
        StationIds = Enumerable.Range(0, stations).Select(SyntheticAirQino.StationId).ToArray();
        LastDay = DateOnly.FromDateTime(SeriesEnd.UtcDateTime);
        FirstDay = LastDay.AddDays(1 - days);
    }

    public int Days { get; }
    public IReadOnlyList<string> StationIds { get; }
    public DateOnly FirstDay { get; }
    public DateOnly LastDay { get; }

    /// <summary>Every station over every day, in UTC, as a backfill asks for it.</summary>
    public IReadOnlyList<StationDays> Backfill => StationIds.Select(id => new StationDays(id, TimeZoneInfo.Utc, FirstDay, LastDay)).ToArray();

    /// <summary>The simulator serving exactly this data set.</summary>
    public SimulatorOptions SimulatorOptions() => new()
    {
        SyntheticStations = StationIds.Count,
        Days = Days,
        Seed = Seed,
        Now = SeriesEnd,
    };

    /// <summary>One station's whole series as AirQino v3 answers it: <c>{"header": {...}, "data": [...]}</c>.</summary>
    public byte[] StationResponse(string stationId) => Response(stationId, from: null, to: null);

    /// <summary>The rows of one station whose hour is in [<paramref name="from"/>, <paramref name="to"/>), as the simulator answers that request.</summary>
    public byte[] WindowResponse(string stationId, DateTimeOffset from, DateTimeOffset to) => Response(stationId, from, to);

    private byte[] Response(string stationId, DateTimeOffset? from, DateTimeOffset? to)
    {
        var hours = from is { } first && to is { } end ? (int)Math.Max(0, (end - first).TotalHours) : Days * 24;
        var buffer = new ArrayBufferWriter<byte>(hours * 200 + 256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("header");
            writer.WriteString("station_id", stationId);
            writer.WriteString("source", "synthetic");
            writer.WriteString("generator", "Harmattan.AirQinoSimulator");
            writer.WriteNumber("seed", Seed);
            writer.WriteEndObject();
            writer.WriteStartArray("data");
            _generator.WriteRows(writer, stationId, SeriesEnd, Days, from, to);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes <c>&lt;stationId&gt;.json</c> per station into <paramref name="directory"/>; returns the paths.</summary>
    public IReadOnlyList<string> WriteFiles(string directory)
    {
        Directory.CreateDirectory(directory);
        var paths = new List<string>(StationIds.Count);
        foreach (var id in StationIds)
        {
            var path = Path.Combine(directory, id + ".json");
            File.WriteAllBytes(path, StationResponse(id));
            paths.Add(path);
        }
        return paths;
    }
}
