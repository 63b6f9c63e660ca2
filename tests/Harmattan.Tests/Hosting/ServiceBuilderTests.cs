using Harmattan.Hosting;
using Harmattan.Tests.Cli;

namespace Harmattan.Tests.Hosting;

/// <summary>Changes the current directory, so it runs alone with the other tests that do.</summary>
[Collection(typeof(CliCollection))]
public sealed class ServiceBuilderTests
{
    [Fact]
    public void A_service_reads_its_settings_beside_the_program_whatever_folder_it_is_started_from()
    {
        var directory = Directory.GetCurrentDirectory();
        var elsewhere = Directory.CreateTempSubdirectory("harmattan-cwd-");
        try
        {
            Directory.SetCurrentDirectory(elsewhere.FullName);

            var builder = ServiceDefaults.CreateBuilder([]);

            Assert.Equal(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory),
                Path.TrimEndingDirectorySeparator(builder.Environment.ContentRootPath));
        }
        finally
        {
            Directory.SetCurrentDirectory(directory);
            elsewhere.Delete(recursive: true);
        }
    }
}
