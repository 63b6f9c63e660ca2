using Harmattan.Contracts;
using Harmattan.Storage.MongoDb;
using MongoDB.Bson;
using static Harmattan.Tests.Storage.MongoBson;

namespace Harmattan.Tests.Storage;

/// <summary>
/// The schema as a reader of <c>db.daily_averages.find()</c> in mongosh sees it: the documents the store's
/// upserts write (the server puts an ObjectId <c>_id</c> first in averages documents, left out here).
/// </summary>
public class MongoDocumentsTests
{
    [Fact]
    public void Mongo_daily_document_of_one_station_day_as_seen_in_mongosh()
    {
        var daily = Assert.Single(MongoCommands.DailyUpserts(StationDay(), Order)).Replacement;

        Assert.Equal("""
            {
              station_id: '283164601',
              date: ISODate('2024-03-01T00:00:00.000Z'),
              time_zone: 'Africa/Abidjan',
              hours_covered: 20,
              hours_in_day: 24,
              completeness: 0.8333333333333334,
              is_complete: true,
              quantities: {
                co: {
                  mean: 0.61,
                  min: -0.4,
                  max: 1.2,
                  count: 19,
                  rejected: 1
                },
                pm2_5: {
                  mean: 18.4,
                  min: 9.5,
                  max: 31.25,
                  count: 20,
                  rejected: 0
                }
              },
              algorithm_version: 2,
              source_fetch_id: UUID('0f8fad5b-d9cb-469f-a165-70867728950e'),
              source_fetched_at: ISODate('2024-03-02T00:05:12.345Z'),
              source_fetched_at_ticks: Long('638449347123456789'),
              source_checked_at: ISODate('2024-03-02T00:05:12.345Z'),
              source_checked_at_ticks: Long('638449347123456789')
            }
            """, Mongosh(daily));
        AssertTypes(daily,
            ("station_id", BsonType.String), ("date", BsonType.DateTime), ("time_zone", BsonType.String),
            ("hours_covered", BsonType.Int32), ("hours_in_day", BsonType.Int32), ("completeness", BsonType.Double),
            ("is_complete", BsonType.Boolean), ("quantities", BsonType.Document), ("algorithm_version", BsonType.Int32),
            ("source_fetch_id", BsonType.Binary), ("source_fetched_at", BsonType.DateTime),
            ("source_fetched_at_ticks", BsonType.Int64), ("source_checked_at", BsonType.DateTime),
            ("source_checked_at_ticks", BsonType.Int64));
        AssertTypes(daily["quantities"]["co"].AsBsonDocument,
            ("mean", BsonType.Double), ("min", BsonType.Double), ("max", BsonType.Double),
            ("count", BsonType.Int32), ("rejected", BsonType.Int32));
    }

    [Fact]
    public void Mongo_hourly_documents_of_one_station_day_as_seen_in_mongosh()
    {
        var hourly = MongoCommands.HourlyUpserts(StationDay(), Order).Select(upsert => upsert.Replacement).ToList();

        Assert.Equal(2, hourly.Count);
        Assert.Equal("""
            {
              station_id: '283164601',
              hour: ISODate('2024-03-01T01:00:00.000Z'),
              quantities: {
                co: {
                  mean: null,
                  min: null,
                  max: null,
                  count: 0,
                  rejected: 1
                },
                pm2_5: {
                  mean: 14.5,
                  min: 14.5,
                  max: 14.5,
                  count: 1,
                  rejected: 0
                }
              },
              algorithm_version: 2,
              source_fetch_id: UUID('0f8fad5b-d9cb-469f-a165-70867728950e'),
              source_fetched_at: ISODate('2024-03-02T00:05:12.345Z'),
              source_fetched_at_ticks: Long('638449347123456789')
            }
            """, Mongosh(hourly[1]));
        AssertTypes(hourly[0],
            ("station_id", BsonType.String), ("hour", BsonType.DateTime), ("quantities", BsonType.Document),
            ("algorithm_version", BsonType.Int32), ("source_fetch_id", BsonType.Binary),
            ("source_fetched_at", BsonType.DateTime), ("source_fetched_at_ticks", BsonType.Int64));
        Assert.Equal(BsonType.Null, hourly[1]["quantities"]["co"]["mean"].BsonType);
    }

    [Fact]
    public void Mongo_raw_fetch_document_as_seen_in_mongosh()
    {
        var raw = MongoCommands.ArchiveInsert(RawFetch()).Document;

        Assert.Equal("""
            {
              _id: UUID('0f8fad5b-d9cb-469f-a165-70867728950e'),
              station_id: '283164601',
              window_start: ISODate('2024-03-01T00:00:00.000Z'),
              window_end: ISODate('2024-03-02T00:00:00.000Z'),
              time_zone: 'Africa/Abidjan',
              source: 'https://airqino-api.magentalab.it/v3/getStationHourlyAvg/283164601',
              fetched_at: ISODate('2024-03-02T00:05:12.345Z'),
              fetched_at_ticks: Long('638449347123456789'),
              readings: [
                {
                  hour: ISODate('2024-03-01T00:00:00.000Z'),
                  values: {
                    co: 0.5,
                    pm2_5: 12.25
                  }
                },
                {
                  hour: ISODate('2024-03-01T01:00:00.000Z'),
                  values: {
                    co: null,
                    pm2_5: 14.5
                  }
                }
              ],
              readings_bytes: 136
            }
            """, Mongosh(raw));
        Assert.Equal(BsonBinarySubType.UuidStandard, raw["_id"].AsBsonBinaryData.SubType);
    }

    [Fact]
    public void Mongo_daily_document_reads_back_as_the_day_that_was_written()
    {
        var averages = StationDay();
        var day = Assert.Single(averages.Daily);

        var stored = MongoSchema.ToDailyAverage(Assert.Single(MongoCommands.DailyUpserts(averages, Order)).Replacement);

        Assert.Equivalent(new
        {
            averages.StationId, day.Date, day.HoursCovered, day.HoursInDay, day.Completeness, day.IsComplete,
            day.Quantities, averages.AlgorithmVersion, averages.SourceFetchId, averages.SourceFetchedAt, averages.TimeZone,
            SourceCheckedAt = averages.SourceFetchedAt, Coverage = day.Coverage(),
        }, stored, strict: true);
    }

    [Fact]
    public void Mongo_hourly_documents_read_back_as_the_hours_that_were_written()
    {
        var averages = StationDay();

        var stored = MongoCommands.HourlyUpserts(averages, Order)
            .Select(upsert => MongoSchema.ToHourlyAverage(upsert.Replacement)).ToList();

        Assert.Equivalent(averages.Hourly.Select(hour => new
        {
            averages.StationId, hour.Hour, hour.Quantities, averages.AlgorithmVersion, averages.SourceFetchId,
            averages.SourceFetchedAt,
        }), stored, strict: true);
    }

    [Fact]
    public void Mongo_raw_fetch_document_reads_back_as_the_fetch_with_its_rows_nulls_and_order()
    {
        var fetch = RawFetch();

        var stored = MongoSchema.ToRawFetch(MongoCommands.ArchiveInsert(fetch).Document);

        Assert.Equivalent(fetch, stored, strict: true);
        Assert.Equal(fetch.Readings.Select(r => r.Hour), stored.Readings.Select(r => r.Hour));
        Assert.Equal(["co", "pm2_5"], stored.Readings[1].Values.Keys);
        Assert.Null(stored.Readings[1].Values["co"]);
    }

    private static void AssertTypes(BsonDocument document, params (string Field, BsonType Type)[] expected) =>
        Assert.Equal(expected, document.Select(e => (e.Name, e.Value.BsonType)));
}
