using Harmattan.Cli.Commands;

namespace Harmattan.Cli.Pipeline;

/// <summary>
/// A copy being written under a name of its own (<c>FILE.partial</c>, <c>harmattan.db.restoring</c>), held for one command
/// alone until it is moved to the name it was made for or, unfinished, deleted.
/// </summary>
public sealed class UnfinishedCopy : IDisposable
{
    private readonly FileStream _hold;
    private bool _moved;

    private UnfinishedCopy(string path, FileStream hold)
    {
        Path = path;
        _hold = hold;
    }

    public string Path { get; }

    /// <summary>
    /// Takes <paramref name="path"/> for this command alone, empty: what a killed copy left there (and its rollback journal)
    /// is discarded, and a copy under way in another process is refused, naming <paramref name="command"/>.
    /// </summary>
    internal static UnfinishedCopy Hold(string path, string command)
    {
        FileStream hold;
        try
        {
            hold = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write,
                OperatingSystem.IsWindows() ? FileShare.Delete : FileShare.None);
        }
        catch (IOException ex) when (ExportCommand.HeldByAnother(ex))
        {
            throw CliException.Failure($"another {command} is writing {path}; wait for it to end (or stop it), then run {command} again.");
        }
        hold.SetLength(0);
        File.Delete(path + "-journal");
        return new UnfinishedCopy(path, hold);
    }

    /// <summary>
    /// Renames the finished copy to <paramref name="target"/> while still held, so that no other command takes its name
    /// between; a file that exists at <paramref name="target"/> is replaced only when <paramref name="overwrite"/> says so.
    /// </summary>
    public void MoveTo(string target, bool overwrite = false)
    {
        File.Move(Path, target, overwrite);
        _moved = true;
    }

    /// <summary>Deletes the copy unless it was moved (before letting it go, so that no other command's file is deleted).</summary>
    public void Dispose()
    {
        if (!_moved)
        {
            File.Delete(Path);
            File.Delete(Path + "-journal");
        }
        _hold.Dispose();
    }
}
