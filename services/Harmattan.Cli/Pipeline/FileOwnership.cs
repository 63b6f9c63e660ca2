using Mono.Unix;

namespace Harmattan.Cli.Pipeline;

/// <summary>
/// The owner, group and permissions of a file a command replaces, given to the file that takes its place: a store
/// restored by an administrator (<c>sudo harmattan restore</c>) would otherwise belong to root, readable by every user,
/// and the services' user could no longer write it.
/// </summary>
public static class FileOwnership
{
    /// <summary>
    /// Gives <paramref name="copy"/> the permissions of <paramref name="original"/>, and its owner and group where this
    /// user may (root, or the owner itself).
    /// </summary>
    /// <returns>
    /// Why the owner could not be given, with the command that gives it, naming <paramref name="original"/>'s path (where the
    /// copy is about to take its place); null when it was.
    /// </returns>
    public static string? CopyTo(string original, string copy)
    {
        if (OperatingSystem.IsWindows())
            return null;
        var from = new UnixFileInfo(original);
        var to = new UnixFileInfo(copy);
        string? refused = null;
        if (from.OwnerUserId != to.OwnerUserId || from.OwnerGroupId != to.OwnerGroupId)
        {
            try
            {
                to.SetOwner(from.OwnerUserId, from.OwnerGroupId);
            }
            // Mono.Unix reports EPERM as an InvalidOperationException around the UnixIOException.
            catch (Exception e) when (e is UnixIOException or InvalidOperationException)
            {
                refused = $"{original} now belongs to {Owner(to)}, not to {Owner(from)} as the file it replaced did, and this user may not " +
                          $"give it ({e.GetBaseException().Message}): run chown {from.OwnerUserId}:{from.OwnerGroupId} {original} as root, or the services' user may not write it.";
            }
        }
        File.SetUnixFileMode(copy, File.GetUnixFileMode(original));
        return refused;
    }

    private static string Owner(UnixFileSystemInfo file)
    {
        file.Refresh();
        return $"user {file.OwnerUserId}, group {file.OwnerGroupId}";
    }
}
