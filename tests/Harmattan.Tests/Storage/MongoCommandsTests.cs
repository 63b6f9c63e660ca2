using Harmattan.Contracts;
using Harmattan.Storage.MongoDb;
using MongoDB.Bson;
using MongoDB.Driver;
using static Harmattan.Tests.Storage.MongoBson;

namespace Harmattan.Tests.Storage;

/// <summary>Every filter, write model, sort and index of the MongoDB store, rendered as the driver sends it.</summary>
public class MongoCommandsTests
{
    [Fact]
    public void Mongo_the_store_schema_is_one_document_whose_version_is_raised_never_lowered()
    {
        AssertBson("""{ "_id": "layout" }""", Render(MongoCommands.LayoutDocument));
        AssertBson("""{ "$max": { "schema_version": 1 } }""", Render(MongoCommands.RecordLayoutVersion(1)));
        Assert.Equal(0, MongoSchema.LayoutVersionOf(null));
        Assert.Equal(2, MongoSchema.LayoutVersionOf(new BsonDocument { { "_id", "layout" }, { "schema_version", 2 } }));
    }

    [Fact]
    public void Mongo_daily_upsert_filter_matches_the_day_when_the_stored_version_is_not_newer_or_it_has_no_rows_and_it_was_not_checked_later()
    {
        var filter = MongoCommands.DailyUpsertFilter(StationDay(algorithmVersion: 2), StationDay().Daily[0], Order);

        AssertBson("""
            {
              "$and": [
                { "station_id": "283164601" },
                { "date": ISODate("2024-03-01T00:00:00Z") },
                {
                  "$or": [
                    { "algorithm_version": { "$lt": 2 } },
                    {
                      "algorithm_version": 2,
                      "$or": [
                        { "source_fetched_at_ticks": { "$lte": NumberLong("638449347123456789") } },
                        { "source_fetched_at_ticks": { "$gt": NumberLong("638450208000000000") } }
                      ]
                    },
                    { "hours_covered": 0, "quantities": {} }
                  ]
                },
                {
                  "$or": [
                    { "source_checked_at_ticks": { "$lte": NumberLong("638449347123456789") } },
                    { "source_checked_at_ticks": { "$gt": NumberLong("638450208000000000") } },
                    {
                      "source_checked_at_ticks": { "$exists": false },
                      "$or": [
                        { "source_fetched_at_ticks": { "$lte": NumberLong("638449347123456789") } },
                        { "source_fetched_at_ticks": { "$gt": NumberLong("638450208000000000") } }
                      ]
                    }
                  ]
                }
              ]
            }
            """, Render(filter));
    }

    [Fact]
    public void Mongo_hourly_upsert_filter_matches_the_hour_only_when_the_stored_version_is_not_newer()
    {
        var filter = MongoCommands.HourlyUpsertFilter(StationDay(algorithmVersion: 3), DayStart.AddHours(1), Order);

        AssertBson("""
            {
              "station_id": "283164601",
              "hour": ISODate("2024-03-01T01:00:00Z"),
              "$or": [
                { "algorithm_version": { "$lt": 3 } },
                {
                  "algorithm_version": 3,
                  "$or": [
                    { "source_fetched_at_ticks": { "$lte": NumberLong("638449347123456789") } },
                    { "source_fetched_at_ticks": { "$gt": NumberLong("638450208000000000") } }
                  ]
                }
              ]
            }
            """, Render(filter));
    }

    [Fact]
    public void Mongo_daily_upsert_replaces_the_whole_document_when_the_version_filter_matches()
    {
        var model = Assert.Single(MongoCommands.DailyUpserts(StationDay(), Order));

        Assert.Equal(WriteModelType.ReplaceOne, model.ModelType);
        Assert.True(model.IsUpsert);
        Assert.Null(model.Hint);
        Assert.Null(model.Collation);
        Assert.Null(model.Sort);
        AssertBson(Canonical(Render(MongoCommands.DailyUpsertFilter(StationDay(), StationDay().Daily[0], Order))), Render(model.Filter));
        AssertBson("""
            {
              "station_id": "283164601",
              "date": ISODate("2024-03-01T00:00:00Z"),
              "time_zone": "Africa/Abidjan",
              "hours_covered": 20,
              "hours_in_day": 24,
              "completeness": 0.83333333333333337,
              "is_complete": true,
              "quantities": {
                "co": { "mean": 0.61, "min": -0.4, "max": 1.2, "count": 19, "rejected": 1 },
                "pm2_5": { "mean": 18.4, "min": 9.5, "max": 31.25, "count": 20, "rejected": 0 }
              },
              "algorithm_version": 2,
              "source_fetch_id": UUID("0f8fad5b-d9cb-469f-a165-70867728950e"),
              "source_fetched_at": ISODate("2024-03-02T00:05:12.345Z"),
              "source_fetched_at_ticks": NumberLong("638449347123456789"),
              "source_checked_at": ISODate("2024-03-02T00:05:12.345Z"),
              "source_checked_at_ticks": NumberLong("638449347123456789")
            }
            """, model.Replacement);
    }

    [Fact]
    public void Mongo_a_day_the_source_sent_no_row_for_replaces_only_a_stored_day_without_rows_and_marks_the_day_checked()
    {
        var empty = StationDay() with
        {
            Daily = [StationDay().Daily[0] with { HoursCovered = 0, Completeness = 0, IsComplete = false, Quantities = new Dictionary<string, QuantityStats>() }],
        };

        var filter = MongoCommands.DailyUpsertFilter(empty, empty.Daily[0], Order);
        var stored = Assert.Single(MongoCommands.DailyUpserts(StationDay() with { SourceFetchedAt = FetchedAt.AddDays(-1) }, Order)).Replacement;
        stored["_id"] = ObjectId.Parse("65e1a0000000000000000001");
        var checkedAt = MongoCommands.DaysWithoutRows([StationDay(), empty, empty with { SourceFetchedAt = FetchedAt.AddDays(-2) }], Order);
        var check = Assert.Single(MongoCommands.DailyChecks([stored], checkedAt, Order));

        AssertBson("""
            {
              "$and": [
                { "station_id": "283164601" },
                { "date": ISODate("2024-03-01T00:00:00Z") },
                {
                  "$or": [
                    { "algorithm_version": { "$lt": 2 } },
                    {
                      "algorithm_version": 2,
                      "$or": [
                        { "source_fetched_at_ticks": { "$lte": NumberLong("638449347123456789") } },
                        { "source_fetched_at_ticks": { "$gt": NumberLong("638450208000000000") } }
                      ]
                    }
                  ]
                },
                { "hours_covered": 0 },
                { "quantities": { } },
                {
                  "$or": [
                    { "source_checked_at_ticks": { "$lte": NumberLong("638449347123456789") } },
                    { "source_checked_at_ticks": { "$gt": NumberLong("638450208000000000") } },
                    {
                      "source_checked_at_ticks": { "$exists": false },
                      "$or": [
                        { "source_fetched_at_ticks": { "$lte": NumberLong("638449347123456789") } },
                        { "source_fetched_at_ticks": { "$gt": NumberLong("638450208000000000") } }
                      ]
                    }
                  ]
                }
              ]
            }
            """, Render(filter));
        Assert.Equal(FetchedAt, Assert.Single(checkedAt).Value);
        AssertBson("""
            {
              "_id": ObjectId("65e1a0000000000000000001"),
              "algorithm_version": 2,
              "source_fetched_at_ticks": NumberLong("638448483123456789"),
              "source_checked_at_ticks": NumberLong("638448483123456789")
            }
            """, Render(check.Filter));
        Assert.Equal(FetchedAt.UtcTicks, check.Replacement["source_checked_at_ticks"].AsInt64);
        Assert.Equal(stored["quantities"], check.Replacement["quantities"]);
        Assert.Empty(MongoCommands.DailyChecks([check.Replacement], checkedAt, Order));
    }

    [Fact]
    public void Mongo_hourly_upserts_are_one_replacement_per_hour_with_nulls_for_a_quantity_without_values()
    {
        var models = MongoCommands.HourlyUpserts(StationDay(), Order).ToList();

        Assert.Equal(2, models.Count);
        Assert.All(models, model => Assert.True(model.IsUpsert));
        Assert.All(models, model => Assert.Equal(WriteModelType.ReplaceOne, model.ModelType));
        AssertBson(Canonical(Render(MongoCommands.HourlyUpsertFilter(StationDay(), DayStart, Order))), Render(models[0].Filter));
        AssertBson(Canonical(Render(MongoCommands.HourlyUpsertFilter(StationDay(), DayStart.AddHours(1), Order))), Render(models[1].Filter));
        AssertBson("""
            {
              "station_id": "283164601",
              "hour": ISODate("2024-03-01T01:00:00Z"),
              "quantities": {
                "co": { "mean": null, "min": null, "max": null, "count": 0, "rejected": 1 },
                "pm2_5": { "mean": 14.5, "min": 14.5, "max": 14.5, "count": 1, "rejected": 0 }
              },
              "algorithm_version": 2,
              "source_fetch_id": UUID("0f8fad5b-d9cb-469f-a165-70867728950e"),
              "source_fetched_at": ISODate("2024-03-02T00:05:12.345Z"),
              "source_fetched_at_ticks": NumberLong("638449347123456789")
            }
            """, models[1].Replacement);
    }

    [Fact]
    public void Mongo_replacements_carry_the_filter_key_and_leave_the_id_to_the_server()
    {
        var models = MongoCommands.DailyUpserts(StationDay(), Order).Concat(MongoCommands.HourlyUpserts(StationDay(), Order));

        Assert.All(models, model =>
        {
            var filter = Render(model.Filter);
            Assert.False(model.Replacement.Contains("_id"));
            foreach (var key in filter.Names.Where(name => !name.StartsWith('$')))
                Assert.Equal(filter[key], model.Replacement[key]);
        });
    }

    [Fact]
    public void Mongo_archive_insert_uses_the_fetch_id_as_a_standard_uuid_id_and_keeps_the_rows_in_order()
    {
        var model = MongoCommands.ArchiveInsert(RawFetch());

        Assert.Equal(WriteModelType.InsertOne, model.ModelType);
        Assert.Equal(BsonBinarySubType.UuidStandard, model.Document["_id"].AsBsonBinaryData.SubType);
        AssertBson("""
            {
              "_id": UUID("0f8fad5b-d9cb-469f-a165-70867728950e"),
              "station_id": "283164601",
              "window_start": ISODate("2024-03-01T00:00:00Z"),
              "window_end": ISODate("2024-03-02T00:00:00Z"),
              "time_zone": "Africa/Abidjan",
              "source": "https://airqino-api.magentalab.it/v3/getStationHourlyAvg/283164601",
              "fetched_at": ISODate("2024-03-02T00:05:12.345Z"),
              "fetched_at_ticks": NumberLong("638449347123456789"),
              "readings": [
                { "hour": ISODate("2024-03-01T00:00:00Z"), "values": { "co": 0.5, "pm2_5": 12.25 } },
                { "hour": ISODate("2024-03-01T01:00:00Z"), "values": { "co": null, "pm2_5": 14.5 } }
              ],
              "readings_bytes": 136
            }
            """, model.Document);
    }

    [Fact]
    public void Mongo_daily_range_includes_both_ends()
    {
        var filter = MongoCommands.DailyRange(StationId, new DateOnly(2024, 3, 1), new DateOnly(2024, 3, 31));

        AssertBson("""
            {
              "station_id": "283164601",
              "date": { "$gte": ISODate("2024-03-01T00:00:00Z"), "$lte": ISODate("2024-03-31T00:00:00Z") }
            }
            """, Render(filter));
    }

    [Fact]
    public void Mongo_hourly_range_is_half_open_and_in_utc_whatever_the_offset_given()
    {
        var from = new DateTimeOffset(2024, 3, 1, 1, 0, 0, TimeSpan.FromHours(1));
        var filter = MongoCommands.HourlyRange(StationId, from, from.AddHours(6));

        AssertBson("""
            {
              "station_id": "283164601",
              "hour": { "$gte": ISODate("2024-03-01T00:00:00Z"), "$lt": ISODate("2024-03-01T06:00:00Z") }
            }
            """, Render(filter));
    }

    [Fact]
    public void Mongo_raw_fetch_query_selects_windows_overlapping_the_range()
    {
        var filter = MongoCommands.RawFetchesOverlapping(StationId, DayStart, DayStart.AddDays(2));

        AssertBson("""
            {
              "station_id": "283164601",
              "window_start": { "$lt": ISODate("2024-03-03T00:00:00Z") },
              "window_end": { "$gt": ISODate("2024-03-01T00:00:00Z") }
            }
            """, Render(filter));
    }

    [Fact]
    public void Mongo_reads_sort_ascending_by_their_key()
    {
        AssertBson("""{ "date": 1 }""", Render(MongoCommands.ByDate));
        AssertBson("""{ "hour": 1 }""", Render(MongoCommands.ByHour));
        AssertBson("""{ "window_start": 1, "fetched_at_ticks": 1 }""", Render(MongoCommands.ByWindowStartThenFetchedAt));
    }

    [Fact]
    public void Mongo_averages_indexes_are_unique_on_the_natural_keys()
    {
        AssertBson("""{ "station_id": 1, "date": 1 }""", Render(MongoCommands.DailyKey.Keys));
        Assert.True(MongoCommands.DailyKey.Options.Unique);
        AssertBson("""{ "station_id": 1, "hour": 1 }""", Render(MongoCommands.HourlyKey.Keys));
        Assert.True(MongoCommands.HourlyKey.Options.Unique);
    }

    [Fact]
    public void Mongo_raw_fetch_index_serves_the_station_window_query_and_is_not_unique()
    {
        AssertBson("""{ "station_id": 1, "window_start": 1, "fetched_at_ticks": 1 }""",
            Render(MongoCommands.RawFetchesByStationWindow.Keys));
        Assert.NotEqual(true, MongoCommands.RawFetchesByStationWindow.Options?.Unique);
    }

    [Fact]
    public void Mongo_index_definitions_use_default_names_so_creating_them_again_is_a_no_op()
    {
        Assert.All(
            [MongoCommands.DailyKey, MongoCommands.HourlyKey, MongoCommands.RawFetchesByStationWindow, MongoCommands.RawFetchesByStationFetchedAt,
                MongoCommands.RawFetchesByStationWindowEnd],
            index => Assert.Null(index.Options?.Name));
    }

    [Fact]
    public void Mongo_station_activity_reads_the_latest_hour_and_fetch_from_an_index_without_the_readings()
    {
        AssertBson("""{ "station_id": "283164601" }""", Render(MongoCommands.StationFilter(StationId)));
        AssertBson("""{ "hour": -1 }""", Render(MongoCommands.LatestHourFirst));
        AssertBson("""{ "fetched_at_ticks": -1 }""", Render(MongoCommands.LatestFetchFirst));
        AssertBson("""{ "station_id": 1, "fetched_at_ticks": -1 }""", Render(MongoCommands.RawFetchesByStationFetchedAt.Keys));
        Assert.NotEqual(true, MongoCommands.RawFetchesByStationFetchedAt.Options?.Unique);
        AssertBson("""{ "hour": 1, "_id": 0 }""", Render(MongoCommands.HourOnly));
        AssertBson("""{ "fetched_at_ticks": 1, "time_zone": 1, "_id": 0 }""", Render(MongoCommands.FetchedAtAndTimeZoneOnly));
    }

    [Fact]
    public void Mongo_gap_check_reads_the_latest_window_end_from_an_index_that_holds_every_field_it_filters_sorts_and_returns()
    {
        var index = Render(MongoCommands.RawFetchesByStationWindowEnd.Keys);
        var filter = Render(MongoCommands.FetchedBefore(StationId, DateTimeOffset.UnixEpoch));
        var sort = Render(MongoCommands.LatestWindowEndFirst);
        var projection = Render(MongoCommands.WindowEndAndFetchedAtOnly);

        // Equality on the index's first key, then the sort in the index's own order: read from the index, no sort stage.
        Assert.Equal(MongoSchema.StationId, index.Names.First());
        Assert.Equal(BsonString.Create(StationId), filter[MongoSchema.StationId]);
        Assert.Equal(index.Elements.Skip(1), sort.Elements);
        // Every field filtered and returned is in the index, and _id is left out: the documents are never read.
        Assert.Subset(index.Names.ToHashSet(), filter.Names.Concat(projection.Names.Where(name => name != "_id")).ToHashSet());
        Assert.Equal(0, projection["_id"].ToInt32());
        Assert.NotEqual(true, MongoCommands.RawFetchesByStationWindowEnd.Options?.Unique);
    }

    [Fact]
    public void Mongo_ping_is_the_ping_command()
    {
        AssertBson("""{ "ping": 1 }""", MongoCommands.Ping);
    }

    [Fact]
    public void Mongo_fetch_instants_are_dates_to_the_millisecond_and_exact_ticks_for_comparisons()
    {
        var replacement = Assert.Single(MongoCommands.DailyUpserts(StationDay(), Order)).Replacement;
        var filter = Render(MongoCommands.DailyUpsertFilter(StationDay(), StationDay().Daily[0], Order));

        Assert.Equal(new DateTime(2024, 3, 2, 0, 5, 12, 345, DateTimeKind.Utc), replacement["source_fetched_at"].ToUniversalTime());
        Assert.Equal(FetchedAt.UtcTicks, replacement["source_fetched_at_ticks"].AsInt64);
        Assert.Equal(FetchedAt.UtcTicks, filter["$and"][3]["$or"][0]["source_checked_at_ticks"]["$lte"].AsInt64);
    }
}
