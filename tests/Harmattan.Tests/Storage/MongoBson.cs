using System.Globalization;
using Harmattan.Contracts;
using Harmattan.Storage;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Serializers;
using MongoDB.Driver;

namespace Harmattan.Tests.Storage;

/// <summary>Renders the driver's definitions to BSON as the driver sends them, and one station-day of data.</summary>
internal static class MongoBson
{
    private static readonly RenderArgs<BsonDocument> Args =
        new(BsonDocumentSerializer.Instance, BsonSerializer.SerializerRegistry);

    public static BsonDocument Render(FilterDefinition<BsonDocument> filter) => filter.Render(Args);
    public static BsonValue Render(UpdateDefinition<BsonDocument> update) => update.Render(Args);
    public static BsonDocument Render(SortDefinition<BsonDocument> sort) => sort.Render(Args);
    public static BsonDocument Render(IndexKeysDefinition<BsonDocument> keys) => keys.Render(Args);
    public static BsonDocument Render(ProjectionDefinition<BsonDocument> projection) => projection.Render(Args);

    /// <summary>Canonical extended JSON keeps every BSON type visible, so equal text means equal BSON.</summary>
    public static string Canonical(BsonValue value) =>
        value.ToJson(new JsonWriterSettings { OutputMode = JsonOutputMode.CanonicalExtendedJson });

    /// <summary>Asserts <paramref name="actual"/> is exactly the document written in mongosh syntax.</summary>
    public static void AssertBson(string expectedShellJson, BsonValue actual) =>
        Assert.Equal(Canonical(BsonDocument.Parse(expectedShellJson)), Canonical(actual));

    /// <summary>
    /// A document printed the way mongosh prints it (bare field names, 'strings', ISODate, UUID, shortest
    /// numbers), so the schema tests read like a mongosh session. mongosh shows 20 and 20.0 alike, hence
    /// the separate type assertions.
    /// </summary>
    public static string Mongosh(BsonValue value, int depth = 0)
    {
        var indent = new string(' ', 2 * depth);
        var inner = new string(' ', 2 * (depth + 1));
        return value switch
        {
            BsonDocument document => "{\n" + string.Join(",\n",
                document.Select(e => $"{inner}{e.Name}: {Mongosh(e.Value, depth + 1)}")) + $"\n{indent}}}",
            BsonArray array => "[\n" + string.Join(",\n",
                array.Select(item => inner + Mongosh(item, depth + 1))) + $"\n{indent}]",
            BsonString text => $"'{text.Value}'",
            BsonDateTime date => $"ISODate('{date.ToUniversalTime():yyyy-MM-ddTHH:mm:ss.fffZ}')",
            BsonBinaryData { SubType: BsonBinarySubType.UuidStandard } uuid => $"UUID('{uuid.ToGuid()}')",
            BsonDouble number => number.Value.ToString(CultureInfo.InvariantCulture),
            BsonInt32 number => number.Value.ToString(CultureInfo.InvariantCulture),
            BsonInt64 number => $"Long('{number.Value.ToString(CultureInfo.InvariantCulture)}')",
            BsonBoolean flag => flag.Value ? "true" : "false",
            BsonNull => "null",
            _ => throw new NotSupportedException($"No mongosh rendering for {value.BsonType} in this schema"),
        };
    }

    public const string StationId = "283164601";
    public static readonly Guid FetchId = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    public static readonly DateTimeOffset FetchedAt = new DateTimeOffset(2024, 3, 2, 0, 5, 12, 345, TimeSpan.Zero).AddTicks(6789);
    public static readonly DateOnly Day = new(2024, 3, 1);
    public static readonly DateTimeOffset DayStart = new(2024, 3, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Fetch times compared as a store whose clock reads a day after <see cref="FetchedAt"/> compares them.</summary>
    public static readonly FetchTimeOrder Order = new(new DateTimeOffset(2024, 3, 3, 0, 0, 0, TimeSpan.Zero));

    /// <summary>One station-day: two hours shown (a real day has up to 24) and the day's aggregate.</summary>
    /// <summary>The station's day as a fetch the source answered with no row for it, made at <paramref name="fetchedAt"/>.</summary>
    public static AveragesComputed StationDayWithoutRows(DateTimeOffset fetchedAt, int algorithmVersion = 2) =>
        StationDay(algorithmVersion) with
        {
            SourceFetchId = Guid.NewGuid(),
            SourceFetchedAt = fetchedAt,
            Hourly = [],
            Daily = [StationDay(algorithmVersion).Daily[0] with
            {
                HoursCovered = 0, Completeness = 0, IsComplete = false, Quantities = new Dictionary<string, QuantityStats>(),
            }],
        };

    public static AveragesComputed StationDay(int algorithmVersion = 2) => new()
    {
        StationId = StationId,
        WindowStart = DayStart,
        WindowEnd = DayStart.AddDays(1),
        TimeZone = "Africa/Abidjan",
        SourceFetchId = FetchId,
        SourceFetchedAt = FetchedAt,
        AlgorithmVersion = algorithmVersion,
        Hourly =
        [
            new HourlyAverage
            {
                Hour = DayStart,
                Quantities = new Dictionary<string, QuantityStats>
                {
                    ["co"] = new() { Mean = 0.5, Min = 0.5, Max = 0.5, Count = 1, Rejected = 0 },
                    ["pm2_5"] = new() { Mean = 12.25, Min = 12.25, Max = 12.25, Count = 1, Rejected = 0 },
                },
            },
            new HourlyAverage
            {
                Hour = DayStart.AddHours(1),
                Quantities = new Dictionary<string, QuantityStats>
                {
                    ["co"] = new() { Count = 0, Rejected = 1 },
                    ["pm2_5"] = new() { Mean = 14.5, Min = 14.5, Max = 14.5, Count = 1, Rejected = 0 },
                },
            },
        ],
        Daily =
        [
            new DailyAverage
            {
                Date = Day,
                HoursCovered = 20,
                HoursInDay = 24,
                Completeness = 20 / 24.0,
                IsComplete = true,
                Quantities = new Dictionary<string, QuantityStats>
                {
                    ["co"] = new() { Mean = 0.61, Min = -0.4, Max = 1.2, Count = 19, Rejected = 1 },
                    ["pm2_5"] = new() { Mean = 18.4, Min = 9.5, Max = 31.25, Count = 20, Rejected = 0 },
                },
            },
        ],
    };

    public static RawReadingsFetched RawFetch() => new()
    {
        FetchId = FetchId,
        StationId = StationId,
        WindowStart = DayStart,
        WindowEnd = DayStart.AddDays(1),
        TimeZone = "Africa/Abidjan",
        Source = "https://airqino-api.magentalab.it/v3/getStationHourlyAvg/283164601",
        FetchedAt = FetchedAt,
        Readings =
        [
            new RawReading { Hour = DayStart, Values = new Dictionary<string, double?> { ["co"] = 0.5, ["pm2_5"] = 12.25 } },
            new RawReading { Hour = DayStart.AddHours(1), Values = new Dictionary<string, double?> { ["co"] = null, ["pm2_5"] = 14.5 } },
        ],
    };
}
