using System.Collections.Concurrent;
using System.Text.Json;
using Harmattan.Contracts;

namespace Harmattan.AirQinoSimulator;

/// <summary>One recorded response: the file's bytes and where each row of its data array lies in them.</summary>
public sealed class RecordedStation
{
    private RecordedStation(string path, byte[] bytes, Row[] rows)
    {
        Path = path;
        Bytes = bytes;
        Rows = rows;
        var hours = rows.Where(r => r.Hour is not null).Select(r => r.Hour!.Value).ToArray();
        Span = hours.Length > 0 ? (hours.Min(), hours.Max()) : null;
    }

    public string Path { get; }
    internal byte[] Bytes { get; }
    internal Row[] Rows { get; }
    public int RowCount => Rows.Length;

    /// <summary>The first and last hour with a timestamp, or null for a recording without any.</summary>
    public (DateTimeOffset First, DateTimeOffset Last)? Span { get; }

    internal readonly record struct Row(DateTimeOffset? Hour, int Start, int Length)
    {
        public ReadOnlySpan<byte> Json(byte[] bytes) => bytes.AsSpan(Start, Length);
    }

    /// <summary>Loads a file holding the bare data array or the whole <c>{"header", "data"}</c> object.</summary>
    public static RecordedStation Load(string path)
    {
        try
        {
            return Read(path, File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not valid JSON: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path} cannot be read: {e.Message}", e);
        }
    }

    private static RecordedStation Read(string path, byte[] bytes)
    {
        var rows = new List<Row>();
        var reader = new Utf8JsonReader(bytes);
        reader.Read();
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName && !reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                reader.Skip();
            }
            reader.Read();
        }
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new InvalidDataException($"{path} holds neither an AirQino data array nor an object with a \"data\" array.");

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var start = (int)reader.TokenStartIndex;
            DateTimeOffset? hour = null;
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isTimestamp = reader.ValueTextEquals("timestamp"u8);
                    reader.Read();
                    // A row whose timestamp is in no form the extractor reads stays undated: served only to undated requests.
                    if (isTimestamp && reader.TokenType == JsonTokenType.String && AirQinoTimestamps.TryParse(reader.GetString()!, out var parsed))
                        hour = parsed;
                    else
                        reader.Skip();
                }
            }
            else
            {
                reader.Skip();
            }
            rows.Add(new Row(hour, start, (int)reader.BytesConsumed - start));
        }
        return new RecordedStation(path, bytes, rows.ToArray());
    }
}

/// <summary>
/// A folder of recorded responses, one file per station: <c>&lt;id&gt;.json</c>, or any <c>*_&lt;id&gt;_*.json</c>
/// such as the sample files (v3_getStationHourlyAvg_283164601_SMART188_data.json).
/// </summary>
public sealed class RecordedStations(string directory)
{
    private readonly ConcurrentDictionary<string, Lazy<RecordedStation>> _loaded = new(StringComparer.Ordinal);

    public string Directory { get; } = directory;

    public IReadOnlyList<string> Files { get; } = System.IO.Directory.Exists(directory)
        ? System.IO.Directory.GetFiles(directory, "*.json").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray()
        : throw new DirectoryNotFoundException(File.Exists(directory)
            ? $"--data {directory} is a file: name the folder of recorded AirQino responses that holds it ({Path.GetDirectoryName(Path.GetFullPath(directory))})."
            : $"The recorded AirQino responses folder {directory} does not exist{(Path.IsPathFullyQualified(directory) ? "" : $" (looked for {Path.GetFullPath(directory)})")}.");

    public string? FileFor(string stationId) =>
        Files.FirstOrDefault(f => f == stationId + ".json")
        ?? Files.FirstOrDefault(f => f.Contains('_' + stationId + '_', StringComparison.Ordinal));

    public RecordedStation? Find(string stationId) => FileFor(stationId) is { } file ? Load(file) : null;

    /// <summary>A file of <see cref="Files"/>, read once.</summary>
    public RecordedStation Load(string file) =>
        _loaded.GetOrAdd(file, name => new Lazy<RecordedStation>(() => RecordedStation.Load(Path.Combine(Directory, name)))).Value;
}
