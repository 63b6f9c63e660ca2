using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Harmattan.Tests.Deploy;

/// <summary>
/// The Dockerfiles cannot be built on a machine without a container engine; these checks catch what would
/// break the build or its cache: a project file the restore layer misses, a path that does not exist.
/// </summary>
public class DockerfileTests
{
    public static TheoryData<string, string> Images => new()
    {
        { "services/Harmattan.Extractor.Host/Dockerfile", "services/Harmattan.Extractor.Host/Harmattan.Extractor.Host.csproj" },
        { "services/Harmattan.Transformer.Host/Dockerfile", "services/Harmattan.Transformer.Host/Harmattan.Transformer.Host.csproj" },
        { "services/Harmattan.Loader.Host/Dockerfile", "services/Harmattan.Loader.Host/Harmattan.Loader.Host.csproj" },
        { "services/Harmattan.Cli.Host/Dockerfile", "services/Harmattan.Cli.Host/Harmattan.Cli.Host.csproj" },
        { "services/Harmattan.Dashboard.Host/Dockerfile", "services/Harmattan.Dashboard.Host/Harmattan.Dashboard.Host.csproj" },
        { "services/Harmattan.AirQinoSimulator.Host/Dockerfile", "services/Harmattan.AirQinoSimulator.Host/Harmattan.AirQinoSimulator.Host.csproj" },
    };

    [Theory]
    [MemberData(nameof(Images))]
    public void The_image_builds_in_a_cross_platform_sdk_stage_and_runs_as_non_root(string dockerfile, string project)
    {
        var lines = Instructions(dockerfile);

        Assert.Equal("FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0 AS build", lines[0]);
        Assert.Equal("FROM mcr.microsoft.com/dotnet/aspnet:10.0", lines.Last(l => l.StartsWith("FROM ")));
        Assert.Contains($"RUN dotnet restore {project} -a $TARGETARCH", lines);
        Assert.Contains(lines, l => l.StartsWith($"RUN dotnet publish {project} --no-restore -c Release"));
        var runtimeStage = lines.SkipWhile(l => !l.StartsWith("FROM mcr.microsoft.com/dotnet/aspnet")).ToList();
        Assert.Contains("USER $APP_UID", runtimeStage);
        var entrypoint = runtimeStage.Single(l => l.StartsWith("ENTRYPOINT"));
        if (project.Contains("Cli.Host", StringComparison.Ordinal))
        {
            // A command, not a server: nothing to publish.
            Assert.DoesNotContain(runtimeStage, l => l.StartsWith("EXPOSE"));
            Assert.Equal($"ENTRYPOINT [\"dotnet\", \"{AssemblyName(project)}.dll\"]", entrypoint);
        }
        else if (project.Contains("AirQinoSimulator", StringComparison.Ordinal))
        {
            // The simulator listens where --urls says, not on ASPNETCORE_HTTP_PORTS: the entrypoint names the port, so
            // that arguments given to `docker run` (--data) do not take it away.
            Assert.Contains("EXPOSE 8080", runtimeStage);
            Assert.Equal($"ENTRYPOINT [\"dotnet\", \"{AssemblyName(project)}.dll\", \"--urls\", \"http://0.0.0.0:8080\"]", entrypoint);
        }
        else
        {
            Assert.Contains("EXPOSE 8080", runtimeStage);
            Assert.Equal($"ENTRYPOINT [\"dotnet\", \"{AssemblyName(project)}.dll\"]", entrypoint);
        }
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void The_restore_layer_copies_every_shared_project_file_as_its_comment_says(string dockerfile, string project)
    {
        _ = project;
        var restoreLayer = Copies(Instructions(dockerfile).TakeWhile(l => !l.StartsWith("RUN dotnet restore")))
            .SelectMany(copy => copy.Sources).ToHashSet();

        foreach (var shared in Directory.GetFiles(Repository.PathOf("shared"), "*.csproj", SearchOption.AllDirectories))
        {
            var path = Path.GetRelativePath(Repository.Root, shared).Replace('\\', '/');
            Assert.True(restoreLayer.Contains(path), $"{dockerfile}: the restore layer does not copy {path}");
        }
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Every_path_the_image_copies_exists(string dockerfile, string project)
    {
        _ = project;
        foreach (var (sources, _) in Copies(Instructions(dockerfile)))
        foreach (var source in sources)
            Assert.True(File.Exists(Repository.PathOf(source)) || Directory.Exists(Repository.PathOf(source)),
                $"{dockerfile} copies {source}, which does not exist");
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void The_restore_layer_copies_every_project_and_build_file_restore_reads(string dockerfile, string project)
    {
        var lines = Instructions(dockerfile);
        var restoreLayer = Copies(lines.TakeWhile(l => !l.StartsWith("RUN dotnet restore")))
            .SelectMany(copy => copy.Sources.Select(source => Target(source, copy.Destination)))
            .ToHashSet();

        foreach (var required in FilesRestoreReads(project))
            Assert.True(restoreLayer.Contains(required), $"{dockerfile}: the restore layer does not copy {required}");
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void The_sources_of_every_referenced_project_are_copied_before_publish(string dockerfile, string project)
    {
        var lines = Instructions(dockerfile);
        var afterRestore = lines.SkipWhile(l => !l.StartsWith("RUN dotnet restore")).TakeWhile(l => !l.StartsWith("RUN dotnet publish"));
        var copied = Copies(afterRestore).SelectMany(c => c.Sources).Select(s => s.TrimEnd('/') + "/").ToList();

        foreach (var referenced in ProjectClosure(project))
        {
            var folder = Path.GetDirectoryName(referenced)!.Replace('\\', '/') + "/";
            Assert.Contains(copied, c => folder.StartsWith(c, StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void No_image_copies_anything_from_the_tests_folder(string dockerfile, string project)
    {
        _ = project;
        var fromTests = Copies(Instructions(dockerfile)).SelectMany(c => c.Sources).Where(s => s.StartsWith("tests/", StringComparison.Ordinal));

        Assert.Empty(fromTests);
    }

    [Fact]
    public void The_build_context_leaves_out_build_output_and_local_secrets()
    {
        var ignored = File.ReadAllLines(Repository.PathOf(".dockerignore")).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        Assert.Contains("**/bin/", ignored);
        Assert.Contains("**/obj/", ignored);
        Assert.Contains(".env", ignored);
        Assert.Contains(".git/", ignored);
    }

    private static List<string> Instructions(string dockerfile)
    {
        var path = Repository.PathOf(dockerfile);
        Assert.True(File.Exists(path), $"{dockerfile} is missing");
        return File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
    }

    /// <summary>COPY instructions from the build context (not --from another stage): sources and destination.</summary>
    private static IEnumerable<(string[] Sources, string Destination)> Copies(IEnumerable<string> lines) =>
        lines.Where(l => l.StartsWith("COPY ") && !l.Contains("--from="))
            .Select(l => l["COPY ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(parts => (parts[..^1], parts[^1]));

    /// <summary>Where a copied file lands, relative to WORKDIR (the repository root's image of it).</summary>
    private static string Target(string source, string destination) =>
        destination.EndsWith('/') ? (destination == "./" ? "" : destination) + Path.GetFileName(source) : destination;

    /// <summary>The project files of the closure, plus every props/targets/global.json MSBuild imports for them.</summary>
    private static IEnumerable<string> FilesRestoreReads(string project)
    {
        var files = new HashSet<string> { "global.json" };
        foreach (var referenced in ProjectClosure(project))
        {
            files.Add(referenced);
            for (var dir = Path.GetDirectoryName(referenced)!.Replace('\\', '/'); ; dir = Path.GetDirectoryName(dir)!.Replace('\\', '/'))
            {
                foreach (var name in new[] { "Directory.Build.props", "Directory.Packages.props", "Directory.Build.targets" })
                {
                    var candidate = dir.Length == 0 ? name : $"{dir}/{name}";
                    if (File.Exists(Repository.PathOf(candidate)))
                        files.Add(candidate);
                }
                if (dir.Length == 0)
                    break;
            }
        }
        return files;
    }

    private static HashSet<string> ProjectClosure(string project)
    {
        var closure = new HashSet<string>();
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var current))
        {
            if (!closure.Add(current))
                continue;
            var document = XDocument.Load(Repository.PathOf(current));
            foreach (var reference in document.Descendants("ProjectReference"))
            {
                var combined = Path.Combine(Path.GetDirectoryName(current)!, reference.Attribute("Include")!.Value.Replace('\\', '/'));
                pending.Push(Path.GetRelativePath(Repository.Root, Path.GetFullPath(Path.Combine(Repository.Root, combined))).Replace('\\', '/'));
            }
        }
        return closure;
    }

    private static string AssemblyName(string project) =>
        XDocument.Load(Repository.PathOf(project)).Descendants("AssemblyName").FirstOrDefault()?.Value
        ?? Path.GetFileNameWithoutExtension(project);
}
