using System.Globalization;

namespace Harmattan.IntegrationTests.Support;

/// <summary>The seed's published daily CO and PM2.5 means (<c>_id,moyCO,moyPM25,timestamp</c>).</summary>
public static class SeedDailyMeans
{
    public static Dictionary<DateOnly, (double Co, double Pm25)> Read(string path) =>
        File.ReadLines(path).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToDictionary(
            c => DateOnly.ParseExact(c[3], "yyyy-MM-dd", CultureInfo.InvariantCulture),
            c => (double.Parse(c[1], CultureInfo.InvariantCulture), double.Parse(c[2], CultureInfo.InvariantCulture)));
}

/// <summary>An exported daily CSV read back by column name.</summary>
public sealed class ExportedCsv
{
    private ExportedCsv(string[] header, List<string[]> rows)
    {
        Header = header;
        Rows = rows;
    }

    public string[] Header { get; }
    public List<string[]> Rows { get; }

    public static ExportedCsv Read(string path)
    {
        var lines = File.ReadAllLines(path);
        return new ExportedCsv(lines[0].Split(','), lines.Skip(1).Select(l => l.Split(',')).ToList());
    }

    public string Cell(string[] row, string column) => row[Array.IndexOf(Header, column)];

    public double? Number(string[] row, string column) =>
        Cell(row, column) is { Length: > 0 } text ? double.Parse(text, CultureInfo.InvariantCulture) : null;
}
