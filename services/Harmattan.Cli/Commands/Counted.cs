using System.Globalization;

namespace Harmattan.Cli.Commands;

/// <summary>A count with its noun as a reader says it: "1 fetch", "2 fetches", "0 fetches".</summary>
public static class Counted
{
    public static string Of(long count, string one, string many) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {(count == 1 ? one : many)}");
}
