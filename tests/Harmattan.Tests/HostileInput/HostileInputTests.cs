using System.Text.Json;
using Harmattan.Contracts;
using Harmattan.Extractor;
using Harmattan.Stations;
using Harmattan.Tests.Deploy;
using Harmattan.Transformer;

namespace Harmattan.Tests.HostileInput;

/// <summary>
/// The hostile-input corpus (cases/ and manifest.json): each body goes through what the extractor does with a response
/// (station id check, parser with the window) and, when it is accepted, through the transformer. A rejected body must
/// fail with a message naming the station and the reason, so the window is retried and then lands in the error queue;
/// an accepted one must give the day the manifest states, from the good rows only.
/// </summary>
public class HostileInputTests
{
    private static readonly string Folder = Repository.PathOf("tests/Harmattan.Tests/HostileInput");
    private static readonly JsonElement Manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "manifest.json"))).RootElement;

    public static TheoryData<string> Cases() => new(Manifest.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("file").GetString()!));

    [Fact]
    public void The_corpus_has_at_least_30_cases_and_every_file_is_listed_once()
    {
        var listed = Manifest.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("file").GetString()!).ToList();
        var files = Directory.GetFiles(Path.Combine(Folder, "cases")).Select(f => Path.GetFileName(f)).Order().ToList();

        Assert.True(listed.Count >= 30, $"only {listed.Count} cases");
        Assert.Equal(listed.Count, listed.Distinct().Count());
        Assert.Equal(files, listed.Order().ToList());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_hostile_body_is_rejected_with_the_station_and_the_reason_or_stored_from_its_good_rows(string file)
    {
        var expected = Manifest.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("file").GetString() == file);
        var window = Manifest.GetProperty("window");
        var stationId = expected.TryGetProperty("stationId", out var id) ? id.GetString()! : window.GetProperty("stationId").GetString()!;
        var date = DateOnly.Parse(window.GetProperty("date").GetString()!);
        var start = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var body = File.ReadAllBytes(Path.Combine(Folder, "cases", file));
        var source = $"http://airqino.test/v3/getStationHourlyAvg/{stationId}";

        Exception? failure = null;
        AirQinoParseResult? parsed = null;
        try
        {
            StationId.Validate(stationId);
            parsed = AirQinoParser.Parse(body, stationId, source, start, start.AddDays(1));
        }
        catch (Exception ex) when (ex is AirQinoResponseException or ArgumentException)
        {
            failure = ex;
        }

        if (expected.GetProperty("outcome").GetString() == "rejected")
        {
            Assert.True(failure is not null, $"{file} was accepted ({parsed?.Readings.Count} readings) but should be rejected");
            Assert.Contains(expected.GetProperty("reason").GetString()!, failure.Message);
            Assert.Contains(stationId, failure.Message);
            return;
        }

        Assert.True(failure is null, $"{file} was rejected: {failure?.Message}");
        Assert.Equal(expected.GetProperty("readings").GetInt32(), parsed!.Readings.Count);
        Assert.Equal(expected.TryGetProperty("unparseable", out var bad) ? bad.GetInt32() : 0, parsed.RowsUnparseable);

        var averages = AveragesCalculator.Compute(new RawReadingsFetched
        {
            FetchId = FetchIds.For(stationId, start, start.AddDays(1), parsed.Readings),
            StationId = stationId,
            WindowStart = start,
            WindowEnd = start.AddDays(1),
            Source = source,
            FetchedAt = start.AddDays(2),
            Readings = parsed.Readings,
        }, new QualityOptions());
        var day = Assert.Single(averages.Daily);
        Assert.Equal(date, day.Date);
        Assert.Equal(expected.GetProperty("hoursCovered").GetInt32(), day.HoursCovered);
        Assert.Equal(expected.GetProperty("complete").GetBoolean(), day.IsComplete);
        Assert.All(averages.Hourly, h => Assert.InRange(h.Hour, start, start.AddHours(23)));
        // A quantity the day never saw reads as default: nothing accepted, nothing rejected.
        var co = day.Quantities.GetValueOrDefault(QuantityNames.Co);
        Assert.Equal(expected.GetProperty("coCount").GetInt32(), co.Count);
        if (expected.TryGetProperty("coRejected", out var rejected))
            Assert.Equal(rejected.GetInt32(), co.Rejected);
        if (expected.GetProperty("coMean").ValueKind == JsonValueKind.Number)
            Assert.Equal(expected.GetProperty("coMean").GetDouble(), co.Mean!.Value, 1e-9);
        else
            Assert.Null(co.Mean);
        if (expected.TryGetProperty("quantity", out var quantity))
            Assert.Contains(quantity.GetString()!, day.Quantities.Keys);
        Assert.All(day.Quantities.Values, q => Assert.True(q.Mean is null || double.IsFinite(q.Mean.Value)));
    }
}
