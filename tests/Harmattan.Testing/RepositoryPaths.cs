namespace Harmattan.Testing;

public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release, as this test assembly was built, so the services run from the same build.</summary>
    public static string Configuration { get; } =
        new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent?.Name ?? "Debug";

    public static string ServiceDll(string project, string assembly) =>
        Path.Combine(Root, "services", project, "bin", Configuration, "net10.0", assembly + ".dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Harmattan.slnx")))
                return dir.FullName;
        throw new InvalidOperationException("Harmattan.slnx not found above " + AppContext.BaseDirectory);
    }
}
