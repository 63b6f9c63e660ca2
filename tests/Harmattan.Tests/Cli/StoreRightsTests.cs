using System.Runtime.Versioning;
using Harmattan.Storage.Sqlite;
using Harmattan.Testing;
using Microsoft.Data.Sqlite;
using Harmattan.Tests.Deploy;

namespace Harmattan.Tests.Cli;

/// <summary>
/// The CLI run by a user without the rights a store needs (a cron job of another user than the services'): one line
/// naming the file and the fix, exit code 2, before anything is fetched. Run as the program runs, in a process of its own,
/// as user nobody when the tests run as root (root may write anywhere).
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class StoreRightsTests : IDisposable
{
    private const UnixFileMode Everyone = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private const UnixFileMode ReadOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead
        | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    // Denied to the owner too: the command runs as the test's user unless that is root.
    private const UnixFileMode NoRights = UnixFileMode.None;

    private const UnixFileMode ReadOnlyForAll = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private const string WindowsHasNoFileModes = "Unix file modes decide these rights; Windows has none";

    private readonly string _folder = Directory.CreateTempSubdirectory("harmattan-rights-").FullName;

    public StoreRightsTests()
    {
        // The user the command runs as must reach the folder, and write in it unless a test says otherwise.
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(_folder, Everyone);
    }

    public void Dispose()
    {
        // A folder left without rights would keep a user who is not root from listing or deleting what it holds.
        if (!OperatingSystem.IsWindows())
            GiveRightsBack(_folder);
        Directory.Delete(_folder, recursive: true);

        static void GiveRightsBack(string folder)
        {
            File.SetUnixFileMode(folder, Everyone);
            foreach (var inner in Directory.GetDirectories(folder))
                GiveRightsBack(inner);
        }
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Reading_a_store_whose_folder_this_user_may_not_write_names_the_folder_and_the_fix()
    {
        var folder = Path.Combine(_folder, "services");
        var store = await StoreInAsync(folder, ReadOnlyForAll);
        File.SetUnixFileMode(folder, ReadOnlyFolder);

        var (exit, output) = Harmattan("export", "--station", "283164601", "--db", store);

        Assert.Equal(2, exit);
        Assert.StartsWith($"error: SQLite {store} cannot be opened by this user (", output);
        Assert.Contains($"so this user needs the right to write in {folder} or to open those files; run the command as the user the services run as",
            output);
    }

    [Fact]
    public async Task A_store_in_a_folder_this_user_may_not_enter_is_not_called_missing()
    {
        var folder = Path.Combine(_folder, "services");
        var store = await StoreInAsync(folder, ReadOnlyForAll);
        File.SetUnixFileMode(folder, NoRights);

        var (exit, output) = Harmattan("status", "--db", store, "--rabbitmq", "amqp://guest:guest@127.0.0.1:1/");

        Assert.Equal(2, exit);
        Assert.StartsWith($"error: SQLite {store} cannot be reached by this user, who may not enter its folder {folder} (or one above it): " +
            "run the command as the user the services run as", output);
    }

    [Fact]
    public async Task Restore_into_a_folder_under_one_this_user_may_not_enter_is_not_called_missing()
    {
        var backup = await StoreInAsync(_folder, ReadOnlyForAll);
        var services = Path.Combine(_folder, "services");
        var data = Directory.CreateDirectory(Path.Combine(services, "data")).FullName;
        File.SetUnixFileMode(services, NoRights);
        var store = Path.Combine(data, "harmattan.db");

        var (exit, output) = Harmattan("restore", "--backup", backup, "--db", store);

        Assert.Equal(2, exit);
        Assert.StartsWith($"error: SQLite {store} cannot be reached by this user, who may not enter its folder {data} (or one above it): ", output);
    }

    [Fact]
    public async Task Run_with_a_store_in_a_folder_this_user_may_not_enter_names_the_folder_before_it_fetches()
    {
        var folder = Path.Combine(_folder, "services");
        var store = await StoreInAsync(folder, ReadOnlyForAll);
        File.SetUnixFileMode(folder, NoRights);

        var (exit, output) = Harmattan("run", "--once", "--simulate", "--station", "283164601", "--from", "2023-11-01", "--to", "2023-11-01",
            "--db", store);

        Assert.Equal(2, exit);
        Assert.StartsWith($"error: SQLite {store} cannot be reached by this user, who may not enter its folder {folder} (or one above it): ", output);
    }

    [Fact]
    public async Task Archive_prune_refuses_a_store_this_user_may_not_write_before_it_starts()
    {
        var store = await StoreInAsync(_folder, ReadOnlyForAll);

        var (exit, output) = Harmattan("archive", "prune", "--db", store);

        Assert.Equal(2, exit);
        Assert.StartsWith($"error: SQLite {store} cannot be written by this user: run the command as the user the services run as", output);
    }

    [Fact]
    public async Task Archive_prune_writes_a_store_a_service_has_open_though_its_folder_is_not_this_user_s()
    {
        // A cron job in the services' group: the store and, while a service has it open, its -wal and -shm are the group's
        // to write; the folder is not.
        var folder = Path.Combine(_folder, "services");
        var store = await StoreInAsync(folder, Everyone & ~(UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute));
        await using var service = new SqliteConnection($"Data Source={store};Pooling=False");
        await service.OpenAsync(Ct);
        await using (var read = service.CreateCommand())
        {
            read.CommandText = "SELECT count(*) FROM daily_averages";
            await read.ExecuteScalarAsync(Ct);
        }
        foreach (var companion in new[] { store + "-wal", store + "-shm" })
            File.SetUnixFileMode(companion, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite
                | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
        File.SetUnixFileMode(folder, ReadOnlyFolder);

        var (exit, output) = Harmattan("archive", "prune", "--db", store);

        Assert.True(exit == 0, output);
    }

    [Fact]
    public async Task Reading_a_store_this_user_may_not_read_says_so()
    {
        var store = await StoreInAsync(_folder, NoRights);

        var (exit, output) = Harmattan("status", "--db", store, "--rabbitmq", "amqp://guest:guest@127.0.0.1:1/");

        Assert.Equal(2, exit);
        Assert.StartsWith($"error: SQLite {store} cannot be read by this user: check its rights, or --db (or ConnectionStrings__Sqlite).", output);
    }

    [Fact]
    public async Task Run_refuses_a_store_this_user_may_not_write_before_it_fetches_anything()
    {
        var store = await StoreInAsync(_folder, ReadOnlyForAll);

        var (exit, output) = Harmattan("run", "--once", "--simulate", "--station", "283164601", "--from", "2023-11-01", "--to", "2023-11-01",
            "--db", store);

        Assert.Equal(2, exit);
        Assert.Equal($"error: SQLite {store} cannot be written by this user: run the command as the user the services run as, or check the " +
            "rights, or --db (or ConnectionStrings__Sqlite).\nsee 'harmattan run --help'\n", output);
    }

    [Fact]
    public void Run_refuses_a_new_store_in_a_folder_this_user_may_not_write()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), WindowsHasNoFileModes);
        var folder = Path.Combine(_folder, "services");
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, ReadOnlyFolder);
        var store = Path.Combine(folder, "harmattan.db");

        var (exit, output) = Harmattan("run", "--once", "--simulate", "--station", "283164601", "--from", "2023-11-01", "--to", "2023-11-01",
            "--db", store);

        Assert.Equal(2, exit);
        Assert.StartsWith($"error: SQLite {store}: this user may not write in {folder}, where SQLite keeps a store's -wal and -shm files", output);
        Assert.Empty(Directory.GetFiles(folder));
    }

    /// <summary>A store of one day, owned by the test's user and closed (no -wal or -shm left beside it).</summary>
    private static async Task<string> StoreInAsync(string folder, UnixFileMode mode)
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), WindowsHasNoFileModes);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "harmattan.db");
        var store = new SqlitePipelineStore($"Data Source={path};Pooling=False");
        await store.InitializeAsync(Ct);
        await store.UpsertAveragesAsync([Builders.Averages("283164601", new DateOnly(2023, 11, 1))], Ct);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    [Fact]
    public async Task A_restore_by_a_user_who_may_not_give_the_store_its_owner_restores_it_and_names_the_chown_to_run()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "the store must belong to another user than the one restoring: root's, restored as user nobody");
        var store = await StoreInAsync(Path.Combine(_folder, "services"), Everyone);
        File.SetUnixFileMode(Path.Combine(_folder, "services"), Everyone);
        var backup = await StoreInAsync(Path.Combine(_folder, "backups"), ReadOnlyForAll);
        // A store in WAL mode stands for the backup here: reading it needs its folder writable, for its shared memory file.
        File.SetUnixFileMode(Path.Combine(_folder, "backups"), Everyone);

        var (exit, output) = Harmattan("restore", "--backup", backup, "--db", store);

        Assert.True(exit == 0, output);
        Assert.Contains($"{store} now belongs to user 65534, group 65534, not to user 0, group 0 as the file it replaced did, and this user may not give it (", output);
        Assert.Contains($"run chown 0:0 {store} as root, or the services' user may not write it.", output);
        Assert.Contains($"Restored {backup} to {store}", output);
    }

    [Fact]
    public async Task A_backup_takes_over_what_a_killed_backup_of_another_user_left_and_an_unreadable_backup_is_not_called_damaged()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "the leftover must belong to another user than the one backing up: root's, backed up as user nobody");
        var store = await StoreInAsync(Path.Combine(_folder, "services"), Everyone);
        File.SetUnixFileMode(Path.Combine(_folder, "services"), Everyone);
        var backups = Path.Combine(_folder, "backups");
        Directory.CreateDirectory(backups);
        File.SetUnixFileMode(backups, Everyone);
        // What a killed `sudo harmattan backup` left: root's, which user nobody may not open but may remove.
        var leftover = Path.Combine(backups, "copy.db.partial");
        await File.WriteAllTextAsync(leftover, "half a copy", Ct);
        File.SetUnixFileMode(leftover, ReadOnlyForAll);

        var (exit, output) = Harmattan("backup", "--db", store, "--out", Path.Combine(backups, "copy.db"));

        Assert.True(exit == 0, output);
        Assert.False(File.Exists(leftover));

        // A backup in WAL mode in a folder this user may not write cannot be opened (SQLite needs its shared memory
        // file there): a reason to name, not damage.
        var walStore = await StoreInAsync(Path.Combine(_folder, "readonly"), ReadOnlyForAll);
        File.SetUnixFileMode(Path.Combine(_folder, "readonly"), ReadOnlyFolder);
        (exit, output) = Harmattan("restore", "--backup", walStore, "--db", Path.Combine(_folder, "services", "restored.db"));

        Assert.True(exit == 2, output);
        Assert.Contains($"--backup: {walStore} cannot be read as a SQLite database (", output);
        Assert.DoesNotContain("damaged", output);
    }

    /// <summary>The built <c>harmattan</c>, as another user than root: its exit code, and standard error after standard output.</summary>
    private (int Exit, string Output) Harmattan(params string[] arguments)
    {
        var home = Path.Combine(_folder, "home");
        Directory.CreateDirectory(home);
        File.SetUnixFileMode(home, Everyone);
        string[] command = ["env", $"HOME={home}", $"DOTNET_CLI_HOME={home}", "dotnet", RepositoryPaths.ServiceDll("Harmattan.Cli.Host", "harmattan"),
            .. arguments];
        if (Environment.IsPrivilegedProcess)
        {
            Assert.SkipWhen(Repository.FindTool("setpriv") is null, "running as root, which may write anywhere, and setpriv (util-linux) is not " +
                "installed to run the command as user nobody");
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", .. command];
            var (versionExit, _, versionError) = Repository.RunIn(_folder, TimeSpan.FromMinutes(1), command[0], [.. command[1..^arguments.Length], "--version"]);
            Assert.SkipWhen(versionExit != 0, $"running as root, which may write anywhere, and user nobody cannot run the built harmattan here " +
                $"(a checkout it may not read?): {versionError.Trim()}");
            var (reachExit, _, _) = Repository.RunIn("/", TimeSpan.FromMinutes(1), "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "test", "-w", _folder);
            Assert.SkipWhen(reachExit != 0, $"running as root, which may write anywhere, and user nobody cannot reach {_folder} (TMPDIR under a " +
                "folder of root's own?)");
        }
        var (exit, output, error) = Repository.RunIn(_folder, TimeSpan.FromMinutes(2), command[0], command[1..]);
        return (exit, output + error);
    }
}
