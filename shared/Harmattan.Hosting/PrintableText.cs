using System.Text;

namespace Harmattan.Hosting;

/// <summary>
/// Text from outside (an AirQino response, a message off the bus) as an error or a log line quotes it: its first
/// characters, line breaks and other control characters as spaces, so that a hostile value can neither forge log
/// lines nor fill the log.
/// </summary>
public static class PrintableText
{
    public static string Of(string? text, int maxLength)
    {
        if (text is null)
            return "(null)";
        var kept = text.AsSpan(0, Math.Min(text.Length, maxLength));
        var builder = new StringBuilder(kept.Length + 3);
        foreach (var c in kept)
            builder.Append(char.IsControl(c) || c is '\u2028' or '\u2029' ? ' ' : c);
        return text.Length > maxLength ? builder.Append("...").ToString() : builder.ToString();
    }
}
