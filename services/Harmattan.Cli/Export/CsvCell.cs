namespace Harmattan.Cli.Export;

/// <summary>
/// A text cell of both exports. Station ids, zones and quantity names come from the store, which holds whatever a
/// message on the broker or a write to the database put there: a spreadsheet must never run them as a formula, nor
/// a comma or a line break in them shift the columns.
/// </summary>
internal static class CsvCell
{
    /// <summary>
    /// A cell starting with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab or a carriage return gets a leading
    /// <c>'</c> (OWASP's advice against CSV injection), and one holding a comma, a quote or a line break is quoted
    /// as RFC 4180 says. Numbers never pass through here, so a negative one stays a number.
    /// </summary>
    public static string Text(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
            value = "'" + value;
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{value.Replace("\"", "\"\"")}\"" : value;
    }
}
