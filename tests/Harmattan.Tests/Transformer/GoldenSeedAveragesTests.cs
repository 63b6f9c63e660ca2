using System.Globalization;
using System.Text.Json;
using Harmattan.Contracts;
using Harmattan.Transformer;

namespace Harmattan.Tests.Transformer;

/// <summary>
/// The contract with the seed: on the real SMART188 response, the daily CO and PM2.5 means equal the seed's published
/// ones to 1e-9, except on the partial first and last day of its fetch.
/// </summary>
public class GoldenSeedAveragesTests
{
    private static readonly Dictionary<string, string> CanonicalNames = new()
    {
        ["CO"] = "co", ["NO2"] = "no2", ["O3"] = "o3", ["PM10"] = "pm10", ["PM2.5"] = "pm2_5",
        ["T"] = "temperature", ["RH"] = "relative_humidity", ["T. int."] = "internal_temperature",
    };

    [Fact]
    public void The_daily_means_of_the_real_sample_match_the_seed_on_347_days()
    {
        Assert.SkipWhen(AirQinoSamples.Directory is null, AirQinoSamples.MissingReason);
        var start = new DateTimeOffset(2022, 12, 10, 0, 0, 0, TimeSpan.Zero);
        var fetch = new RawReadingsFetched
        {
            FetchId = Guid.Parse("0e4c0b8e-6b7a-4d6e-9d1f-2c8f3f0a1b01"),
            StationId = "283164601",
            WindowStart = start,
            WindowEnd = new DateTimeOffset(2023, 12, 11, 0, 0, 0, TimeSpan.Zero),
            Source = "https://airqino-api.magentalab.it/v3/getStationHourlyAvg/283164601",
            FetchedAt = new DateTimeOffset(2023, 12, 10, 0, 56, 22, TimeSpan.Zero),
            Readings = ReadSample(AirQinoSamples.PathOf(AirQinoSamples.Station1File)),
        };

        var daily = AveragesCalculator.Compute(fetch, new QualityOptions()).Daily.ToDictionary(d => d.Date);

        Assert.Equal(366, daily.Count);
        var partialDays = new[] { new DateOnly(2022, 12, 10), new DateOnly(2023, 12, 10) };
        var compared = 0;
        foreach (var (date, seedCo, seedPm25) in ReadSeed(AirQinoSamples.PathOf(AirQinoSamples.SeedDailyStation1File)))
        {
            if (partialDays.Contains(date))
                continue;
            var day = daily[date];
            Assert.True(Math.Abs(day.Quantities["co"].Mean!.Value - seedCo) <= 1e-9, $"CO on {date}: {day.Quantities["co"].Mean} vs seed {seedCo}");
            Assert.True(Math.Abs(day.Quantities["pm2_5"].Mean!.Value - seedPm25) <= 1e-9, $"PM2.5 on {date}: {day.Quantities["pm2_5"].Mean} vs seed {seedPm25}");
            Assert.Equal(0, day.Quantities["co"].Rejected + day.Quantities["pm2_5"].Rejected);
            compared++;
        }
        Assert.Equal(347, compared);
    }

    private static List<RawReading> ReadSample(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var readings = new List<RawReading>();
        foreach (var row in document.RootElement.EnumerateArray())
        {
            var values = new Dictionary<string, double?>();
            DateTimeOffset hour = default;
            foreach (var property in row.EnumerateObject())
            {
                if (property.Name == "timestamp")
                    hour = DateTimeOffset.ParseExact(property.Value.GetString()!, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture,
                        DateTimeStyles.AssumeUniversal);
                else
                    values[CanonicalNames[property.Name]] = property.Value.ValueKind == JsonValueKind.Number ? property.Value.GetDouble() : null;
            }
            readings.Add(new RawReading { Hour = hour, Values = values });
        }
        return readings;
    }

    private static IEnumerable<(DateOnly Date, double Co, double Pm25)> ReadSeed(string path)
    {
        var lines = File.ReadAllLines(path);
        Assert.Equal("_id,moyCO,moyPM25,timestamp", lines[0]);
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var cells = line.Split(',');
            yield return (DateOnly.ParseExact(cells[3], "yyyy-MM-dd", CultureInfo.InvariantCulture),
                double.Parse(cells[1], CultureInfo.InvariantCulture), double.Parse(cells[2], CultureInfo.InvariantCulture));
        }
    }
}
