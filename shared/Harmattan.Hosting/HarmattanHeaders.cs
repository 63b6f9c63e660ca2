namespace Harmattan.Hosting;

/// <summary>Headers Harmattan sets on messages, beside MassTransit's own.</summary>
public static class HarmattanHeaders
{
    /// <summary>True on a <c>RawReadingsFetched</c> re-sent from the archive by <c>harmattan replay</c>, and on its averages.</summary>
    public const string Replay = "Harmattan-Replay";

    public static bool IsReplay(MassTransit.Headers headers) =>
        headers.TryGetHeader(Replay, out var value) && value is true or "true" or "True";
}
