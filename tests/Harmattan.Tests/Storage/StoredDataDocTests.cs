using System.Text.RegularExpressions;
using Harmattan.Storage.MongoDb;
using Harmattan.Storage.Sqlite;
using Harmattan.Tests.Deploy;
using Microsoft.Data.Sqlite;
using MongoDB.Bson;

namespace Harmattan.Tests.Storage;

/// <summary>docs/stored-data.md names every column and field the stores write, so a new one cannot go undocumented, and its SQL queries return what it says they do.</summary>
public sealed class StoredDataDocTests : IDisposable
{
    private static readonly string Doc = File.ReadAllText(Repository.PathOf("docs/stored-data.md"));
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"harmattan-doc-{Guid.NewGuid():N}.db");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        TemporarySqliteDatabase.Delete(_path);
    }

    [Fact]
    public async Task Every_SQLite_column_is_documented()
    {
        using (var store = new SqlitePipelineStore($"Data Source={_path}"))
            await store.InitializeAsync(Ct);
        await using var connection = new SqliteConnection($"Data Source={_path}");
        await connection.OpenAsync(Ct);

        var columns = new List<string>();
        foreach (var table in new[] { MongoSchema.DailyAverages, MongoSchema.HourlyAverages, MongoSchema.RawFetches })
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT name FROM pragma_table_info('{table}')";
            await using var reader = await command.ExecuteReaderAsync(Ct);
            while (await reader.ReadAsync(Ct))
                columns.Add(reader.GetString(0));
        }

        Assert.Equal(26, columns.Count);
        Assert.All(columns, AssertDocumented);
    }

    [Fact]
    public async Task The_SQL_queries_return_the_days_and_hours_they_describe()
    {
        using (var store = new SqlitePipelineStore($"Data Source={_path}"))
        {
            await store.InitializeAsync(Ct);
            await store.UpsertAveragesAsync([Builders.Averages("283164601", new DateOnly(2023, 10, 31), days: 3)], Ct);
        }
        var queries = Regex.Matches(Doc, @"```sql\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToList();
        var daily = Assert.Single(queries, q => q.Contains("FROM daily_averages"));
        var hourly = Assert.Single(queries, q => q.Contains("FROM hourly_averages"));

        Assert.Equal(["2023-11-01", "2023-11-02"], await FirstColumnAsync(daily));
        var hours = await FirstColumnAsync(hourly);
        Assert.Equal(24, hours.Count);
        Assert.Equal("2023-11-01T00:00:00.0000000Z", hours[0]);
        Assert.Equal("2023-11-01T23:00:00.0000000Z", hours[^1]);
    }

    private async Task<List<string>> FirstColumnAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={_path}");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var values = new List<string>();
        while (await reader.ReadAsync(Ct))
            values.Add(reader.GetString(0));
        return values;
    }

    [Fact]
    public void Every_MongoDB_field_is_documented()
    {
        var averages = Builders.Averages("283164601", new DateOnly(2024, 3, 1));
        BsonDocument[] documents =
        [
            MongoSchema.ToDocument(averages, averages.Daily[0]),
            MongoSchema.ToDocument(averages, averages.Hourly[0]),
            MongoSchema.ToDocument(Builders.RawFetch("283164601", new DateTimeOffset(2024, 3, 1, 0, 0, 0, TimeSpan.Zero))),
        ];

        var fields = documents.SelectMany(Names).Distinct().ToList();

        Assert.Contains(MongoSchema.Rejected, fields);
        Assert.All(fields.Append(MongoSchema.StoreInfo).Append(MongoSchema.LayoutVersion), AssertDocumented);
    }

    /// <summary>Every element name at any depth (quantity names too: the document names them as well).</summary>
    private static IEnumerable<string> Names(BsonValue value) => value switch
    {
        BsonDocument document => document.Elements.SelectMany(e => Names(e.Value).Prepend(e.Name)),
        BsonArray array => array.SelectMany(Names),
        _ => [],
    };

    private static void AssertDocumented(string name) =>
        Assert.True(Regex.IsMatch(Doc, $@"`[^`\n]*\b{Regex.Escape(name)}\b[^`\n]*`"), $"docs/stored-data.md does not name `{name}`");
}
