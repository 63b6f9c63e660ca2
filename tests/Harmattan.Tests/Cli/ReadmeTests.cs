using System.CommandLine;
using System.Text.Json;
using System.Text.RegularExpressions;
using Harmattan.Cli;
using Harmattan.Dashboard;
using Harmattan.Tests.Deploy;

namespace Harmattan.Tests.Cli;

/// <summary>The README's command table and offline examples against the command itself.</summary>
public sealed partial class ReadmeTests
{
    private static readonly string Readme = File.ReadAllText(Repository.PathOf("README.md"));

    public static TheoryData<string> CommandNames() => [.. HarmattanCli.CreateRoot().Subcommands.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(CommandNames))]
    public void Every_option_in_a_commands_help_is_in_its_row_of_the_readme_table(string name)
    {
        var command = HarmattanCli.CreateRoot().Subcommands.Single(c => c.Name == name);
        var row = Readme.Split('\n').SingleOrDefault(l => l.StartsWith($"| `{name}", StringComparison.Ordinal));
        Assert.True(row is not null, $"README's command table has no row for `{name}`");
        var synopsis = row.Split('|')[1];

        var missing = command.Options.Where(o => !o.Hidden && o.Name != "--help")
            .Where(o => !Regex.IsMatch(synopsis, $@"(?<![\w-]){Regex.Escape(o.Name)}(?![\w-])"))
            .Select(o => o.Name).ToList();
        Assert.True(missing.Count == 0, $"`harmattan {name} --help` lists {string.Join(", ", missing)}, missing from README's row: {synopsis}");
    }

    [Theory]
    [MemberData(nameof(CommandNames))]
    public void Every_option_the_readme_tables_row_names_is_an_option_of_that_command(string name)
    {
        var command = HarmattanCli.CreateRoot().Subcommands.Single(c => c.Name == name);
        var row = Readme.Split('\n').Single(l => l.StartsWith($"| `{name}", StringComparison.Ordinal));
        var known = command.Options.Concat(command.Subcommands.SelectMany(s => s.Options))
            .SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet(StringComparer.Ordinal);

        var unknown = OptionName().Matches(row).Select(m => m.Value).Distinct().Where(o => !known.Contains(o)).ToList();
        Assert.True(unknown.Count == 0, $"README's row of `{name}` names {string.Join(", ", unknown)}, which `harmattan {name} --help` does not list");
    }

    [GeneratedRegex(@"(?<![\w-])--[a-z][a-z-]*[a-z]")]
    private static partial Regex OptionName();

    public static TheoryData<string> DashboardRequests() => [.. DashboardAnswers.Keys];

    private static readonly Dictionary<string, Type[]> DashboardAnswers = new()
    {
        ["GET /api/stations`"] = [typeof(StationsResponse), typeof(StationSummary), typeof(RecentDaysSummary)],
        ["GET /api/stations/{id}/daily"] = [typeof(DailyResponse), typeof(DayRow), typeof(QuantityNumbers)],
        ["GET /api/stations/{id}/hourly"] = [typeof(HourlyResponse), typeof(HourRow)],
    };

    [Theory]
    [MemberData(nameof(DashboardRequests))]
    public void Every_field_of_a_dashboard_answer_is_named_in_its_row_of_the_readmes_api_table(string request)
    {
        var row = Readme.Split('\n').Single(l => l.StartsWith($"| `{request}", StringComparison.Ordinal));

        var missing = DashboardAnswers[request].SelectMany(t => t.GetProperties()).Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name))
            .Where(field => !row.Contains($"`{field}`", StringComparison.Ordinal)).Distinct().ToList();
        Assert.True(missing.Count == 0, $"README's row of {request.TrimEnd('`')} leaves out {string.Join(", ", missing)}");
    }

    /// <summary>The lines of the README's offline examples block, each starting with <c>harmattan</c>.</summary>
    public static IReadOnlyList<string[]> OfflineExamples()
    {
        var block = OfflineBlock().Match(Readme);
        Assert.True(block.Success, "README has no offline examples block");
        return [.. block.Groups["body"].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))];
    }

    [GeneratedRegex(@"<!-- offline examples[^>]*-->\s*```bash\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex OfflineBlock();
}

/// <summary>
/// Runs the README's offline examples once, as written, with <c>dotnet run --project .../services/Harmattan.Cli.Host</c>, in a
/// folder of their own standing for the user's: the store and the CSV must land there.
/// </summary>
public sealed class ReadmeExamplesRun : IDisposable
{
    public ReadmeExamplesRun()
    {
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent?.Name ?? "Debug";
        foreach (var example in ReadmeTests.OfflineExamples())
        {
            Assert.Equal("harmattan", example[0]);
            string[] arguments = ["run", "--project", Repository.PathOf("services/Harmattan.Cli.Host"), "--no-build", "-c", configuration, "--",
                .. example[1..]];
            var (exit, output, error) = Repository.RunIn(Folder, TimeSpan.FromMinutes(5), "dotnet", arguments);
            Results.Add((string.Join(' ', example), exit, output + error));
        }
    }

    public string Folder { get; } = Directory.CreateTempSubdirectory("harmattan-readme-").FullName;

    public List<(string Example, int Exit, string Output)> Results { get; } = [];

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

public sealed class ReadmeExamplesTests(ReadmeExamplesRun run) : IClassFixture<ReadmeExamplesRun>
{
    [Fact]
    public void The_offline_examples_succeed_and_write_where_the_user_typed_them()
    {
        foreach (var (example, exit, output) in run.Results)
            Assert.True(exit == 0, $"`{example}` exited {exit}:\n{output}");
        Assert.True(File.Exists(Path.Combine(run.Folder, "harmattan-simulated.db")));
        Assert.False(File.Exists(Path.Combine(run.Folder, "harmattan.db")), "simulated data landed in the default store of real data");
        var csv = File.ReadAllLines(Path.Combine(run.Folder, "november.csv"));
        Assert.Equal(31, csv.Length);
        Assert.StartsWith("283164601,2023-11-01,", csv[1]);
        Assert.StartsWith("283164601,2023-11-30,", csv[^1]);
        // Redirected output is not wrapped: the simulator's notice stays on one line.
        Assert.Contains(run.Results[0].Output.Split('\n'),
            l => l.StartsWith("SIMULATED DATA:", StringComparison.Ordinal) && l.TrimEnd().EndsWith("not real measurements.", StringComparison.Ordinal));
    }

    [Fact]
    public void The_simulated_november_2023_has_data()
    {
        var csv = File.ReadAllLines(Path.Combine(run.Folder, "november.csv"));
        var header = csv[0].Split(',');
        var hours = Array.IndexOf(header, "hours_covered");
        Assert.Contains("co_mean", header);
        Assert.Equal(30, csv.Length - 1);
        // The synthetic series leaves out about 1.5 % of days, as real stations do; every other day has hours.
        Assert.InRange(csv[1..].Count(row => int.Parse(row.Split(',')[hours]) > 0), 27, 30);
    }
}
