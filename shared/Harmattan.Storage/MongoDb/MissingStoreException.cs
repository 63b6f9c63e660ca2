namespace Harmattan.Storage.MongoDb;

/// <summary>
/// The server answers, but the database holds none of the store's collections. MongoDB creates a database at its first
/// write, so a misspelt database name would otherwise read as an empty store.
/// </summary>
/// <param name="whereNot">Which database of which server, e.g. "database harmatan of MongoDB at mongo1:27017".</param>
public sealed class MissingStoreException(string whereNot)
    : Exception($"{whereNot} holds none of the store's collections: check Storage__MongoDatabase (default harmattan); the loader creates them when it starts")
{
    public string WhereNot { get; } = whereNot;
}
