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
        RemoveLink(path);
        FileStream hold;
        try
        {
            hold = Open(path);
        }
        catch (IOException ex) when (HeldByAnother(ex))
        {
            throw CliException.Failure($"another {command} is writing {path}; wait for it to end (or stop it), then run {command} again.");
        }
        catch (UnauthorizedAccessException) when (File.Exists(path))
        {
            // Left by a command of another user (a killed `sudo harmattan backup`), or made read-only: removing it needs
            // only the folder's rights.
            try
            {
                File.Delete(path);
                hold = Open(path);
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
            {
                throw CliException.Failure($"{path} is left from a {command} that did not finish, and this user may neither " +
                    $"replace nor remove it ({ex.Message}): remove it as its owner, then run {command} again.");
            }
        }
        hold.SetLength(0);
        File.Delete(path + "-journal");
        return new UnfinishedCopy(path, hold);
    }

    /// <summary>
    /// A link at a copy's own name was not made by Harmattan, which never makes one there (someone else who may write the
    /// folder did): removed, so that the copy goes into a file of its own instead of through the link into the file it names.
    /// </summary>
    internal static void RemoveLink(string path)
    {
        if (new FileInfo(path).LinkTarget is not null)
            File.Delete(path);
    }

    /// <summary>The file is locked by another process: a sharing violation on Windows, EWOULDBLOCK from the lock elsewhere.</summary>
    internal static bool HeldByAnother(IOException error) => error.HResult == (OperatingSystem.IsWindows() ? unchecked((int)0x80070020)
        : OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD() ? 35 : 11);

    /// <summary>
    /// Open for this command alone where the lock is advisory (Linux, macOS). On Windows the sharing mode is the lock, and
    /// SQLite must open the file to write the copy: there it is shared, and two commands at once are not kept apart.
    /// </summary>
    private static FileStream Open(string path) => new(path, FileMode.OpenOrCreate, FileAccess.Write,
        OperatingSystem.IsWindows() ? FileShare.ReadWrite | FileShare.Delete : FileShare.None);

    /// <summary>
    /// Renames the finished copy to <paramref name="target"/> while still held, so that no other command takes its name
    /// between; a file at <paramref name="target"/> is never replaced.
    /// </summary>
    public void MoveTo(string target)
    {
        File.Move(Path, target);
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
