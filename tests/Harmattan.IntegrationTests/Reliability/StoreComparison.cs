using Microsoft.Data.Sqlite;

namespace Harmattan.IntegrationTests.Reliability;

/// <summary>
/// Every daily, hourly and raw-archive row of a store against a fault-free run of the same data: all columns but the
/// fetch time, which differs from run to run by design, and the simulator's host and port in the raw fetch's source URL.
/// </summary>
public sealed record StoreComparison(int StationDays, int HourlyRows, int RawFetches, int Lost, int Duplicated, int Different, int Extra)
{
    /// <summary>The first differing row, expected then actual, to say what went wrong.</summary>
    public string FirstDifference { get; private init; } = "";

    private static readonly (string Table, string Key, string Values)[] Tables =
    [
        ("daily_averages", "station_id || '|' || date",
            "hours_covered || '|' || hours_in_day || '|' || completeness || '|' || is_complete || '|' || quantities || '|' || algorithm_version || '|' || source_fetch_id"),
        ("hourly_averages", "station_id || '|' || hour", "quantities || '|' || algorithm_version || '|' || source_fetch_id"),
        ("raw_fetches", "fetch_id", "station_id || '|' || window_start || '|' || window_end || '|' || time_zone || '|' || substr(source, instr(substr(source, 8), '/') + 7) || '|' || readings"),
    ];

    public bool IsExact => Lost == 0 && Duplicated == 0 && Different == 0 && Extra == 0;

    public static StoreComparison Compare(string referenceDb, string actualDb)
    {
        var counts = new int[Tables.Length];
        int lost = 0, duplicated = 0, different = 0, extra = 0;
        var firstDifference = "";
        for (var t = 0; t < Tables.Length; t++)
        {
            var expected = Read(referenceDb, Tables[t]);
            var actual = Read(actualDb, Tables[t]);
            counts[t] = expected.Count;
            foreach (var (key, rows) in expected)
            {
                if (!actual.TryGetValue(key, out var got))
                    lost++;
                else if (got.Count > 1)
                    duplicated += got.Count - 1;
                else if (got[0] != rows[0] && different++ == 0)
                    firstDifference = $"{Tables[t].Table} {key}:\n  expected {rows[0]}\n  actual   {got[0]}";
            }
            extra += actual.Keys.Count(k => !expected.ContainsKey(k));
        }
        return new StoreComparison(counts[0], counts[1], counts[2], lost, duplicated, different, extra) { FirstDifference = firstDifference };
    }

    public override string ToString() =>
        $"station-days compared {StationDays}, hourly rows {HourlyRows}, raw fetches {RawFetches}: lost {Lost}, duplicated {Duplicated}, different {Different}, extra {Extra}";

    private static Dictionary<string, List<string>> Read(string db, (string Table, string Key, string Values) table)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        // Grouped by key rather than trusting the primary key, so a duplicate would be counted, not hidden.
        command.CommandText = $"SELECT {table.Key}, {table.Values} FROM {table.Table}";
        var rows = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var key = reader.GetString(0);
            if (!rows.TryGetValue(key, out var list))
                rows[key] = list = [];
            list.Add(reader.GetString(1));
        }
        return rows;
    }
}
