namespace Harmattan.Storage;

/// <summary>
/// What reading a stored row or document throws when it holds no record the store wrote (bytes overwritten, an edit by
/// hand, another tool's write): a value of the wrong type or out of range, a field missing, text that does not parse.
/// </summary>
internal static class DamagedRecord
{
    public static bool Is(Exception e) =>
        e is System.Text.Json.JsonException or FormatException or InvalidCastException or InvalidOperationException
            or KeyNotFoundException or OverflowException or ArgumentException;
}
