using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Harmattan.Tests.Deploy;

/// <summary>
/// Components and hosts: every process is a thin host beside the library that holds its code, and code is shared by
/// referencing libraries, never executables or test projects.
/// </summary>
public class ProjectReferenceTests
{
    private static readonly IReadOnlyList<string> Projects =
        [.. XDocument.Load(Repository.PathOf("Harmattan.slnx")).Descendants("Project").Select(p => p.Attribute("Path")!.Value)];

    public static TheoryData<string> ProductionProjects() => [.. Projects.Where(p => !IsTestProject(p))];

    public static TheoryData<string> Executables() => [.. Projects.Where(p => !IsTestProject(p) && IsExecutable(p))];

    public static TheoryData<string> TestProjects() => [.. Projects.Where(IsTestProject)];

    [Fact]
    public void Every_project_has_its_line_in_the_layout_of_docs_architecture()
    {
        var layout = File.ReadAllText(Repository.PathOf("docs/architecture.md")).Split("## Layout")[1];
        var missing = Projects.Select(p => Path.GetDirectoryName(p)!.Replace('\\', '/'))
            .Where(folder => !Regex.IsMatch(layout, $@"^{Regex.Escape(folder)}(\s|$)", RegexOptions.Multiline)).ToList();
        Assert.True(missing.Count == 0, $"docs/architecture.md's Layout leaves out {string.Join(", ", missing)}");
    }

    [Theory]
    [MemberData(nameof(ProductionProjects))]
    public void A_production_project_references_libraries_only_and_nothing_under_tests(string project)
    {
        foreach (var (referenced, _) in References(project))
        {
            Assert.False(IsTestProject(referenced), $"{project} references {referenced}, a test project");
            Assert.False(IsExecutable(referenced), $"{project} references {referenced}, an executable: reference its library instead");
        }
    }

    [Theory]
    [MemberData(nameof(TestProjects))]
    public void A_test_project_references_an_executable_only_to_build_it_first(string project)
    {
        foreach (var (referenced, reference) in References(project).Where(r => IsExecutable(r.Path)))
            Assert.True((string?)reference.Attribute("ReferenceOutputAssembly") == "false",
                $"{project} references the executable {referenced} as code: reference its library, or add ReferenceOutputAssembly=\"false\" to only build it");
    }

    [Theory]
    [MemberData(nameof(Executables))]
    public void Every_executable_is_a_host_beside_its_library(string project)
    {
        var name = Path.GetFileNameWithoutExtension(project);
        Assert.True(name.EndsWith(".Host", StringComparison.Ordinal), $"{project} is an executable whose name does not end in .Host");
        var library = $"services/{name[..^".Host".Length]}/{name[..^".Host".Length]}.csproj";
        Assert.Contains(library, Projects);
        Assert.False(IsExecutable(library), $"{library} should be the library {project} runs");
    }

    /// <summary>The projects a project references, as paths from the repository root, with their reference element.</summary>
    private static IEnumerable<(string Path, XElement Reference)> References(string project) =>
        XDocument.Load(Repository.PathOf(project)).Descendants("ProjectReference").Select(reference =>
        {
            var combined = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Repository.PathOf(project))!, reference.Attribute("Include")!.Value));
            return (Path.GetRelativePath(Repository.Root, combined).Replace('\\', '/'), reference);
        });

    private static bool IsTestProject(string project) => project.StartsWith("tests/", StringComparison.Ordinal);

    /// <summary>The Web SDK makes an executable unless told otherwise; the plain SDK makes a library unless told otherwise.</summary>
    private static bool IsExecutable(string project)
    {
        var document = XDocument.Load(Repository.PathOf(project));
        var outputType = document.Descendants("OutputType").LastOrDefault()?.Value;
        return outputType is not null
            ? outputType is "Exe" or "WinExe"
            : (string?)document.Root!.Attribute("Sdk") == "Microsoft.NET.Sdk.Web";
    }
}
