using System.ComponentModel.DataAnnotations;

namespace Harmattan.Loader;

/// <summary>How many messages the loader writes per transaction, and how long it waits to fill a batch.</summary>
public sealed class LoaderOptions
{
    public const string Section = "Loader";

    [Range(1, 10_000, ErrorMessage = "Loader:BatchSize must be between 1 and 10000.")]
    public int BatchSize { get; set; } = 10;

    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00", ErrorMessage = "Loader:BatchTimeLimit must be between 00:00:00.001 and 00:01:00.")]
    public TimeSpan BatchTimeLimit { get; set; } = TimeSpan.FromMilliseconds(200);
}
