using System.Text.Json;
using Harmattan.Hosting;
using Harmattan.Stations;

namespace Harmattan.Cli.Pipeline;

/// <summary>
/// What to say of a station asked for by id that the store holds no day of, while it holds other stations: with a
/// city's two dozen nine-digit ids a mistyped one is likelier than a station never fetched, and backfilling the
/// mistyped id, the usual advice, only ends in AirQino's 404.
/// </summary>
public static class StoredStations
{
    /// <summary>Ids this close to the one asked (a digit left out, added, changed or two swapped) are named as likely meant.</summary>
    public const int TypoDistance = 2;

    /// <summary>Sequential ids (a city's 900000001 to 900000025) put many at the same distance: a few are enough to see the slip.</summary>
    private const int MostNamed = 3;

    /// <summary>
    /// The stored ids a command names: the store holds whatever a message on the broker or a write to the database put
    /// there, and an id that breaks <see cref="StationId.Rule"/> (terminal escape sequences, line breaks, megabytes) could
    /// never be asked for with --station anyway.
    /// </summary>
    public static IReadOnlyList<string> Nameable(IEnumerable<string> stored) => stored.Where(StationId.IsValid).ToList();

    /// <summary>
    /// A stored id as a command prints it where every stored station counts (the raw archive's sizes): an id that
    /// breaks <see cref="StationId.Rule"/> is quoted with its control characters escaped and cut short.
    /// </summary>
    public static string Printed(string id) =>
        StationId.IsValid(id) ? id : JsonSerializer.Serialize(id.Length > 64 ? id[..64] + "..." : id);

    private static string Either(IReadOnlyList<string> ids) =>
        ids.Count == 1 ? ids[0] : $"{string.Join(", ", ids.Take(ids.Count - 1))} or {ids[^1]}";

    /// <summary>
    /// " The store holds no day of station X, but holds N other stations: did you mean Y? ...", or nothing when the
    /// station is stored, the store holds no station at all, or the station is configured or was fetched (no typo: its
    /// days are still to come, or were all missing at the source).
    /// </summary>
    public static string NotStoredNote(string asked, bool configured, DateTimeOffset? lastFetchedAt, IReadOnlyCollection<string> stored)
    {
        if (configured || lastFetchedAt is not null || stored.Count == 0 || stored.Contains(asked))
            return "";
        var close = Nameable(stored)
            .Select(id => (Id: id, Distance: EditDistance.Between(asked, id)))
            .Where(candidate => candidate.Distance <= TypoDistance)
            .ToList();
        var nearest = close.Where(candidate => candidate.Distance == close.Min(c => c.Distance))
            .Select(candidate => candidate.Id).Order(StringComparer.Ordinal).ToList();
        var others = $"{stored.Count} other station{(stored.Count == 1 ? "" : "s")}";
        return nearest.Count switch
        {
            0 => $" The store holds no day of station {asked}, but holds {others} (`harmattan status` names them): check --station.",
            <= MostNamed => $" The store holds no day of station {asked}, but holds {others}: did you mean {Either(nearest)}? Check --station.",
            _ => $" The store holds no day of station {asked}, but holds {others}: did you mean {string.Join(", ", nearest.Take(MostNamed))} " +
                 $"or one of {nearest.Count - MostNamed} more as close? Check --station.",
        };
    }
}
