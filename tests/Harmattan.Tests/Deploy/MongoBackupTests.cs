using System.Diagnostics;

namespace Harmattan.Tests.Deploy;

using Document = Dictionary<object, object?>;

/// <summary>
/// Prod's nightly dump of the MongoDB store (deploy/k8s/overlays/prod/mongodb-backup.yaml): its manifests as rendered,
/// and its script run with bash and jq against a stand-in mongodump (no MongoDB or mongodump is needed).
/// </summary>
public class MongoBackupTests
{
    private static readonly Dictionary<string, string> MongoDbMembers = new() { ["app.kubernetes.io/name"] = "mongodb" };
    private static readonly Dictionary<string, string> RabbitMqNodes = new() { ["app.kubernetes.io/name"] = "rabbitmq" };

    [Fact]
    public void Prod_dumps_the_store_nightly_as_a_user_that_can_only_read_it_onto_a_volume_of_its_own()
    {
        var documents = RenderedManifests.Render(RenderedManifests.Prod);
        var backup = Backup(documents);

        Assert.Matches(@"^\d{1,2} \d{1,2} \* \* \*$", backup.Text("spec", "schedule"));
        Assert.Equal("Forbid", backup.Text("spec", "concurrencyPolicy"));
        var pod = backup.PodTemplate();
        var container = Assert.Single(backup.Containers());
        var env = Environment(container);
        var claim = Claim(backup);
        Assert.Single(documents.OfKind("PersistentVolumeClaim"), c => c.Name() == claim);
        Assert.Contains(container.List("volumeMounts"), m => m.Text("name") == "backups" && m.Text("mountPath") == env["BACKUP_DIR"].Text("value"));
        var kept = int.Parse(env["BACKUPS_KEPT"].Text("value")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(kept >= 7, "fewer than a week of dumps kept");
        // The counts both guides state: those kept, and those the volume holds at the night's peak.
        static string Flat(string file) => System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(Repository.PathOf(file)), @"\s+", " ");
        Assert.Contains($"keeps the newest {kept}", Flat("README.md"));
        Assert.Contains($"all but the newest {kept} (`BACKUPS_KEPT`)", Flat("deploy/README.md"));
        Assert.Contains($"the volume holds {kept + 1} at the night's peak", Flat("deploy/README.md"));

        // The store's replica set and its members' Service, as the operator names them after the resource.
        var mongodb = documents.OfKind("MongoDBCommunity").Single();
        Assert.Equal(mongodb.Name(), env["MONGODB_REPLICA_SET"].Text("value"));
        Assert.Equal($"{mongodb.Name()}-svc:27017", env["MONGODB_HOSTS"].Text("value"));
        // Its credentials are those of a user that reads database harmattan and writes nothing.
        var secrets = new[] { "MONGODB_USERNAME", "MONGODB_PASSWORD" }.Select(n => env[n].Text("valueFrom", "secretKeyRef", "name")).Distinct();
        var user = Assert.Single(mongodb.List("spec", "users"), u => u.Text("connectionStringSecretName") == Assert.Single(secrets));
        Assert.Equal(["read"], user.List("roles").Select(r => r.Text("name")!));
        Assert.All(user.List("roles"), r => Assert.Equal("harmattan", r.Text("db")));

        var policies = new NetworkPolicies(documents);
        var labels = pod.Labels("metadata", "labels");
        Assert.True(policies.AllowsEgress(labels, MongoDbMembers, 27017), "the backup cannot reach the members");
        Assert.True(policies.AllowsIngress(MongoDbMembers, labels, null, 27017), "the members refuse the backup");
        Assert.False(policies.AllowsEgress(labels, RabbitMqNodes, 5672));
    }

    [Theory]
    [InlineData(RenderedManifests.Base)]
    [InlineData(RenderedManifests.Dev)]
    public void Only_prod_backs_its_store_up(string kustomization)
    {
        // Dev's single MongoDB is throwaway; base runs no store.
        Assert.DoesNotContain(RenderedManifests.Render(kustomization).OfKind("CronJob"), c => c.Name() == "mongodb-backup");
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_dump_is_kept_whole_under_its_name_the_oldest_beyond_the_count_removed_none_when_it_fails_and_none_begun_beside_another()
    {
        var (bash, jq, flock) = (Repository.FindTool("bash"), Repository.FindTool("jq"), Repository.FindTool("flock"));
        const string missing = "bash, jq and flock (util-linux) are needed on PATH to run the backup's script (apt-get install jq; .ci/run installs it)";
        if ((bash is null || jq is null || flock is null) && string.Equals(System.Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            Assert.Fail(missing);
        Assert.SkipWhen(bash is null || jq is null || flock is null, missing);
        var container = Assert.Single(Backup(RenderedManifests.Render(RenderedManifests.Prod)).Containers());
        var script = Assert.IsType<string>(Assert.Single(container.List("args")));
        var env = Environment(container);

        var root = Directory.CreateTempSubdirectory("harmattan-backup-");
        try
        {
            var folder = root.CreateSubdirectory("backups").FullName;
            var bin = root.CreateSubdirectory("bin").FullName;
            var arguments = Path.Combine(root.FullName, "arguments");
            // Records its arguments, starts the archive it was given, then fails or finishes it.
            File.WriteAllText(Path.Combine(bin, "mongodump"), """
                #!/bin/sh
                printf '%s\n' "$@" > "$STUB_ARGUMENTS"
                for argument; do case "$argument" in --archive=*) archive="${argument#--archive=}";; esac; done
                printf 'half a dump' > "$archive"
                if [ -n "$STUB_FAIL" ]; then echo "stub: connection refused" >&2; exit 1; fi
                printf ' and the rest' >> "$archive"
                """.Replace("\r\n", "\n"));
            File.SetUnixFileMode(Path.Combine(bin, "mongodump"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            string[] older = ["harmattan-2000-01-01T014000Z.archive.gz", "harmattan-2000-01-02T014000Z.archive.gz",
                "harmattan-2000-01-03T014000Z.archive.gz", "harmattan-2000-01-04T014000Z.archive.gz"];
            foreach (var name in older.Append("notes.txt").Append("harmattan-2000-01-05T014000Z.archive.gz.partial"))
                File.WriteAllText(Path.Combine(folder, name), name);

            // As the manifest sets them, but for the folder and the count; a password that a URI must encode.
            Dictionary<string, string> Settings(int kept, string password = "secret") => new()
            {
                ["BACKUP_DIR"] = folder,
                ["BACKUPS_KEPT"] = kept.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["MONGODB_HOSTS"] = env["MONGODB_HOSTS"].Text("value")!,
                ["MONGODB_REPLICA_SET"] = env["MONGODB_REPLICA_SET"].Text("value")!,
                ["MONGODB_USERNAME"] = "harmattan-dashboard",
                ["MONGODB_PASSWORD"] = password,
                ["STUB_ARGUMENTS"] = arguments,
            };

            var run = RunScript(bash!, script, bin, Settings(kept: 3, password: "p@ss:/%word&?"));

            Assert.True(run.ExitCode == 0, run.Error);
            var kept = Directory.GetFiles(folder).Select(Path.GetFileName).Where(name => name != ".lock").Order().ToList();
            var made = Assert.Single(kept, name => !older.Contains(name) && name != "notes.txt");
            Assert.Matches(@"^harmattan-\d{4}-\d{2}-\d{2}T\d{6}Z\.archive\.gz$", made);
            Assert.Equal(["harmattan-2000-01-03T014000Z.archive.gz", "harmattan-2000-01-04T014000Z.archive.gz", made, "notes.txt"], kept);
            Assert.Equal("half a dump and the rest", File.ReadAllText(Path.Combine(folder, made!)));
            Assert.Contains(made!, run.Output);
            Assert.Equal(
                ["--uri=mongodb://harmattan-dashboard:p%40ss%3A%2F%25word%26%3F@mongodb-svc:27017/harmattan?replicaSet=mongodb&authSource=admin&readPreference=secondaryPreferred",
                 "--gzip", $"--archive={made}.partial"],
                File.ReadAllLines(arguments));

            var failed = RunScript(bash!, script, bin, new(Settings(kept: 1)) { ["STUB_FAIL"] = "yes" });

            Assert.Equal(1, failed.ExitCode);
            Assert.Contains("stub: connection refused", failed.Error);
            Assert.Contains("no backup was removed", failed.Error);
            Assert.Equal(kept, Directory.GetFiles(folder).Select(Path.GetFileName).Where(name => name != ".lock").Order().ToList());

            // While another dump holds the volume's lock, its unfinished file stays and this one does not start.
            File.WriteAllText(Path.Combine(folder, "harmattan-2000-01-06T014000Z.archive.gz.partial"), "another dump's");
            using var other = Process.Start(new ProcessStartInfo(flock!) { ArgumentList = { Path.Combine(folder, ".lock"), "sleep", "60" } })!;
            try
            {
                var deadline = DateTime.UtcNow.AddSeconds(20);
                while (Repository.Run(flock!, "-n", Path.Combine(folder, ".lock"), "true").ExitCode == 0)
                {
                    Assert.True(DateTime.UtcNow < deadline, "the other dump did not take the lock in 20 s");
                    Thread.Sleep(50);
                }
                var overlapping = RunScript(bash!, script, bin, Settings(kept: 1));
                Assert.Equal(1, overlapping.ExitCode);
                Assert.Contains("another dump is writing to this volume; this one did not start", overlapping.Error);
                Assert.Equal("another dump's", File.ReadAllText(Path.Combine(folder, "harmattan-2000-01-06T014000Z.archive.gz.partial")));
            }
            finally
            {
                other.Kill(entireProcessTree: true);
                other.WaitForExit();
            }
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_guide_s_reader_pod_mounts_the_backups_volume_read_only_where_the_dumps_are()
    {
        var backup = Backup(RenderedManifests.Render(RenderedManifests.Prod));
        var container = Assert.Single(backup.Containers());
        var claim = Claim(backup);
        var run = Assert.Single(DeployGuideTests.GuideCommands(), c => c.StartsWith("kubectl -n harmattan run mongodb-backups-reader", StringComparison.Ordinal));
        using var overrides = System.Text.Json.JsonDocument.Parse(System.Text.RegularExpressions.Regex.Match(run, "--overrides='(?<json>[^']+)'").Groups["json"].Value);
        var spec = overrides.RootElement.GetProperty("spec");

        var volume = Assert.Single(spec.GetProperty("volumes").EnumerateArray());
        Assert.Equal(claim, volume.GetProperty("persistentVolumeClaim").GetProperty("claimName").GetString());
        var reader = Assert.Single(spec.GetProperty("containers").EnumerateArray());
        Assert.Equal(container.Text("image"), reader.GetProperty("image").GetString());
        Assert.Contains($"--image={container.Text("image")} ", run);
        var mount = Assert.Single(reader.GetProperty("volumeMounts").EnumerateArray());
        Assert.Equal(volume.GetProperty("name").GetString(), mount.GetProperty("name").GetString());
        Assert.Equal(Environment(container)["BACKUP_DIR"].Text("value"), mount.GetProperty("mountPath").GetString());
        Assert.True(mount.GetProperty("readOnly").GetBoolean());
        // The image's user, which the dumps belong to, and no root.
        Assert.Equal(backup.PodTemplate().Text("spec", "securityContext", "runAsUser"), spec.GetProperty("securityContext").GetProperty("runAsUser").ToString());
    }

    private static Document Backup(IReadOnlyList<Document> documents) =>
        Assert.Single(documents.OfKind("CronJob"), c => c.Name() == "mongodb-backup");

    private static string? Claim(Document backup) =>
        Assert.Single(backup.PodTemplate().List("spec", "volumes"), v => v.Text("name") == "backups").Text("persistentVolumeClaim", "claimName");

    private static Dictionary<string, object?> Environment(object? container) =>
        container.List("env").ToDictionary(e => e.Text("name")!);

    private static (int ExitCode, string Output, string Error) RunScript(string bash, string script, string bin,
        Dictionary<string, string> environment) =>
        Repository.RunWith(new Dictionary<string, string>(environment)
        {
            ["PATH"] = bin + Path.PathSeparator + System.Environment.GetEnvironmentVariable("PATH"),
        }, bin, TimeSpan.FromMinutes(1), bash, "-c", script);
}
