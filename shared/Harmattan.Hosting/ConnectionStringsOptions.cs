namespace Harmattan.Hosting;

/// <summary>
/// The connection strings a Harmattan process reads. They are read where each store or the broker is registered; this
/// class lists them so that one none of them names (<c>ConnectionStrings__Mongo</c>) is refused at start instead of
/// leaving the default server in force.
/// </summary>
public sealed class ConnectionStringsOptions
{
    public const string Section = "ConnectionStrings";

    public string? Sqlite { get; set; }

    public string? MongoDb { get; set; }

    public string? RabbitMq { get; set; }
}
