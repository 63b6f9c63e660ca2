using System.Globalization;
using System.Text.Json;

namespace Harmattan.AirQinoSimulator;

/// <summary>
/// A deterministic AirQino-like hourly series. Every station-hour is a pure function of (seed, station id, hour), so
/// any window of a series is the same whatever was asked before, and the same seed gives byte-identical JSON.
/// The series has the quirks of the recorded answers (missing hours and days, left-out keys, slightly negative CO and
/// O3) and cases the recordings do not show but the extractor must survive (nulls, -999 sentinels, an hour sent twice);
/// values follow daily cycles (and the harmattan season for dust), at levels not calibrated to the recordings.
/// </summary>
public sealed class SyntheticAirQino(int seed)
{
    public const long FirstStationNumber = 900_000_001;

    private static readonly JsonEncodedText Timestamp = JsonEncodedText.Encode("timestamp");
    private static readonly JsonEncodedText Co = JsonEncodedText.Encode("CO");
    private static readonly JsonEncodedText T = JsonEncodedText.Encode("T");
    private static readonly JsonEncodedText TInt = JsonEncodedText.Encode("T. int.");
    private static readonly JsonEncodedText No2 = JsonEncodedText.Encode("NO2");
    private static readonly JsonEncodedText O3 = JsonEncodedText.Encode("O3");
    private static readonly JsonEncodedText Pm10 = JsonEncodedText.Encode("PM10");
    private static readonly JsonEncodedText Pm25 = JsonEncodedText.Encode("PM2.5");
    private static readonly JsonEncodedText Rh = JsonEncodedText.Encode("RH");

    public const double MissingDayRate = 0.015;
    public const double MissingHourRate = 0.03;
    public const double RepeatedHourRate = 0.004;
    public const double Sentinel = -999;

    public int Seed => seed;

    /// <summary>The id of the <paramref name="index"/>-th synthetic station (0 -> 900000001).</summary>
    public static string StationId(int index) => (FirstStationNumber + index).ToString(CultureInfo.InvariantCulture);

    /// <summary>The hours of a series: the hour in progress at <paramref name="end"/> and the ones before it, <paramref name="days"/> × 24 in all.</summary>
    public static (DateTimeOffset First, DateTimeOffset Last) SeriesHours(DateTimeOffset end, int days)
    {
        var last = new DateTimeOffset(end.UtcTicks - end.UtcTicks % TimeSpan.TicksPerHour, TimeSpan.Zero);
        return (last.AddHours(1 - days * 24L), last);
    }

    /// <summary>The series as a bare JSON array (the shape of the recorded sample files).</summary>
    public byte[] GenerateDataArray(string stationId, DateTimeOffset end, int days)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(days * 24 * 200 + 16);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            WriteRows(writer, stationId, end, days);
            writer.WriteEndArray();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Writes the rows of the series whose hour is in [<paramref name="from"/>, <paramref name="to"/>) as elements of
    /// the array the writer is in. Returns the number of rows written.
    /// </summary>
    public int WriteRows(Utf8JsonWriter writer, string stationId, DateTimeOffset end, int days,
        DateTimeOffset? from = null, DateTimeOffset? to = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(days, 0);
        if (days == 0)
            return 0;
        var (first, last) = SeriesHours(end, days);
        var firstHour = first.UtcTicks / TimeSpan.TicksPerHour;
        var lastHour = last.UtcTicks / TimeSpan.TicksPerHour;
        if (from is { } f)
            firstHour = Math.Max(firstHour, CeilingHour(f.UtcTicks));
        if (to is { } t)
            lastHour = Math.Min(lastHour, CeilingHour(t.UtcTicks) - 1);
        return WriteHours(writer, stationId, firstHour, lastHour);
    }

    /// <summary>
    /// Writes the rows whose hour is in [<paramref name="from"/>, <paramref name="to"/>), whatever the dates: the
    /// series has no first day, and any hour's rows are the same in every window that holds it.
    /// </summary>
    public int WriteRange(Utf8JsonWriter writer, string stationId, DateTimeOffset from, DateTimeOffset to) =>
        WriteHours(writer, stationId, CeilingHour(from.UtcTicks), CeilingHour(to.UtcTicks) - 1);

    private int WriteHours(Utf8JsonWriter writer, string stationId, long firstHour, long lastHour)
    {
        var station = StationKey(stationId);
        var rows = 0;
        for (var hour = firstHour; hour <= lastHour; hour++)
        {
            var day = hour / 24;
            if (Uniform(Mix(station ^ Mix((ulong)day * 0xD1B54A32D192ED03UL + 1))) < MissingDayRate)
                continue;
            var state = Mix(station ^ Mix((ulong)hour * 0x9E3779B97F4A7C15UL + 2));
            if (Uniform(Next(ref state)) < MissingHourRate)
                continue;
            WriteRow(writer, station, hour, ref state);
            rows++;
            if (Uniform(Next(ref state)) < RepeatedHourRate)
            {
                // An hour sent twice, which the rules must settle (no recording shows one); the repeat carries other values.
                WriteRow(writer, station, hour, ref state);
                rows++;
            }
        }
        return rows;
    }

    private ulong StationKey(string stationId)
    {
        // FNV-1a: string.GetHashCode is randomised per process and would break byte-identical output.
        var hash = 14695981039346656037UL;
        foreach (var c in stationId)
            hash = (hash ^ c) * 1099511628211UL;
        return Mix(hash ^ Mix((ulong)(uint)seed + 0x5851F42D4C957F2DUL));
    }

    private static void WriteRow(Utf8JsonWriter writer, ulong station, long hour, ref ulong state)
    {
        var time = new DateTime(hour * TimeSpan.TicksPerHour, DateTimeKind.Utc);
        Span<byte> stamp = stackalloc byte[19];
        time.TryFormat(stamp, out _, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

        // Station character: how polluted its street is and how its CO sensor is calibrated.
        var stationState = station;
        var pollution = 0.6 + Uniform(Next(ref stationState));
        var coOffset = -0.15 + 0.2 * Uniform(Next(ref stationState));
        var dayState = Mix(station ^ (ulong)(hour / 24) * 0xA24BAED4963EE407UL);
        var dayLevel = 0.75 + 0.5 * Uniform(Next(ref dayState));
        var dayWarmth = -1.5 + 3 * Uniform(Next(ref dayState));

        var hourOfDay = time.Hour;
        var sun = Math.Sin(2 * Math.PI * (hourOfDay - 9) / 24);
        var traffic = Bump(hourOfDay, 7.5) + 0.8 * Bump(hourOfDay, 19);
        // Dust from the Sahara peaks in mid-January.
        var harmattan = 1 + 1.2 * Math.Max(0, Math.Cos(2 * Math.PI * (time.DayOfYear - 15) / 365.25));

        var temperature = 27.5 + dayWarmth + 3.5 * sun + Gaussian(ref state) * 0.4;
        var co = pollution * dayLevel * (0.25 + 0.45 * traffic) + coOffset + Gaussian(ref state) * 0.06;
        var no2 = pollution * dayLevel * (12 + 25 * traffic) + Gaussian(ref state) * 3;
        var o3 = 28 + 30 * Math.Sin(2 * Math.PI * (hourOfDay - 8) / 24) + Gaussian(ref state) * 6;
        var pm10 = harmattan * pollution * dayLevel * (35 + 30 * traffic) * (1 + Gaussian(ref state) * 0.12);
        var pm25 = pm10 * (0.5 + 0.1 * Uniform(Next(ref state)));
        var humidity = Math.Clamp(80 - 14 * sun - 10 * (harmattan - 1) + Gaussian(ref state) * 3, 15, 100);

        writer.WriteStartObject();
        writer.WriteString(Timestamp, stamp);
        WriteValue(writer, Co, co, ref state, omitRate: 0);
        WriteValue(writer, T, temperature, ref state, omitRate: 0);
        WriteValue(writer, TInt, temperature + 2.5 + Gaussian(ref state) * 0.3, ref state, omitRate: 0);
        WriteValue(writer, No2, no2, ref state, omitRate: 0.002);
        WriteValue(writer, O3, o3, ref state, omitRate: 0.002);
        WriteValue(writer, Pm10, Math.Max(pm10, 0.5), ref state, omitRate: 0);
        WriteValue(writer, Pm25, Math.Max(pm25, 0.3), ref state, omitRate: 0);
        WriteValue(writer, Rh, humidity, ref state, omitRate: 0.005);
        writer.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter writer, JsonEncodedText name, double value, ref ulong state, double omitRate)
    {
        var draw = Uniform(Next(ref state));
        if (draw < omitRate)
            return;
        if (draw < omitRate + 0.002)
        {
            writer.WriteNull(name);
            return;
        }
        if (draw < omitRate + 0.003)
        {
            writer.WriteNumber(name, Sentinel);
            return;
        }
        // AirQino's values are float32, written in their shortest form (27.586668).
        writer.WriteNumber(name, (float)value);
    }

    private static double Bump(int hourOfDay, double peak)
    {
        var distance = Math.Abs(hourOfDay - peak);
        distance = Math.Min(distance, 24 - distance);
        return Math.Exp(-distance * distance / 4.5);
    }

    private static long CeilingHour(long ticks) =>
        ticks / TimeSpan.TicksPerHour + (ticks % TimeSpan.TicksPerHour > 0 ? 1 : 0);

    private static ulong Next(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        return Mix(state);
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static double Uniform(ulong bits) => (bits >> 11) * (1.0 / (1UL << 53));

    /// <summary>Approximately standard normal: the sum of four uniforms, centred and scaled.</summary>
    private static double Gaussian(ref ulong state) =>
        (Uniform(Next(ref state)) + Uniform(Next(ref state)) + Uniform(Next(ref state)) + Uniform(Next(ref state)) - 2) * 1.7320508075688772;
}
