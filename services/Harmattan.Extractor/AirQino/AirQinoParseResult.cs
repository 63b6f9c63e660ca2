using Harmattan.Contracts;

namespace Harmattan.Extractor;

/// <param name="Readings">The kept rows, in source order, repeats included.</param>
/// <param name="RowsReceived">Every element of the <c>data</c> array.</param>
/// <param name="RowsUnparseable">Rows skipped because their timestamp was missing or not an hour start.</param>
/// <param name="FirstUnparseable">The first of those rows' timestamp as the source wrote it (or what stood in its place); empty when none.</param>
public sealed record AirQinoParseResult(IReadOnlyList<RawReading> Readings, int RowsReceived, int RowsUnparseable, string FirstUnparseable = "");
