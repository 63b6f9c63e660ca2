using System.Globalization;

namespace Harmattan.Testing;

public sealed record E2eOptions(int Stations, int Days, string? KeepData, string? JsonFile)
{
    public const string Usage = "e2e --stations N --days D [--keep-data DIR] [--json FILE]";

    public static bool TryParse(IReadOnlyList<string> args, out E2eOptions options, out string error)
    {
        options = new E2eOptions(100, 365, null, null);
        error = "";
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (i + 1 >= args.Count)
            {
                error = $"{name} needs a value.";
                return false;
            }
            var value = args[++i];
            switch (name)
            {
                case "--stations" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 100_000:
                    options = options with { Stations = n };
                    break;
                case "--days" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var d) && d is >= 2 and <= 3_650:
                    options = options with { Days = d };
                    break;
                case "--keep-data":
                    options = options with { KeepData = value };
                    break;
                case "--json":
                    options = options with { JsonFile = value };
                    break;
                case "--stations" or "--days":
                    error = $"{name} must be a whole number ({(name == "--stations" ? "1-100000" : "2-3650")}), not '{value}'.";
                    return false;
                default:
                    error = $"Unknown option {name}.";
                    return false;
            }
        }
        return true;
    }
}
