namespace Harmattan.Cli.Export;

/// <summary>
/// A line of both exports: cells joined by commas, ended by <see cref="End"/> on every platform, whatever the
/// writer's <see cref="TextWriter.NewLine"/> (<see cref="Environment.NewLine"/> unless set: <c>\r\n</c> on Windows).
/// </summary>
internal static class CsvRow
{
    /// <summary>
    /// A line feed, as the exports have always been written on Linux, where the services and CI run: a month exported on
    /// another platform appends to earlier ones with the same ending, and spreadsheets, pandas and R read it as they read RFC
    /// 4180's <c>\r\n</c>. A line break inside a quoted cell is written as it is stored.
    /// </summary>
    public const string End = "\n";

    /// <param name="cells">The cells as they are to be written: text already through <see cref="CsvCell.Text"/>.</param>
    public static Task WriteAsync(TextWriter writer, IEnumerable<string> cells, CancellationToken cancellationToken) =>
        writer.WriteAsync((string.Join(',', cells) + End).AsMemory(), cancellationToken);
}
