using System.Text.RegularExpressions;

namespace Harmattan.Tests.Deploy;

/// <summary>
/// deploy/README.md read as the operator runs it: the commands of its shell blocks, in the order they appear, checked
/// against the rendered manifests they act on.
/// </summary>
public class DeployGuideTests
{
    private const string FirstProductionApply = "kubectl apply -k deploy/k8s/overlays/prod-local";

    /// <summary>The guide's command that installs the custom resource definitions of each API group the prod overlay uses.</summary>
    private static readonly Dictionary<string, string> CrdInstallers = new()
    {
        ["keda.sh"] = "helm install keda kedacore/keda",
        ["rabbitmq.com"] = "https://github.com/rabbitmq/cluster-operator/releases/download/",
        ["mongodbcommunity.mongodb.com"] = "helm install mongodb-kubernetes mongodb/mongodb-kubernetes",
        ["monitoring.coreos.com"] = "helm install kube-prometheus-stack prometheus-community/kube-prometheus-stack",
    };

    [Fact]
    public void Every_custom_kind_of_the_prod_overlay_is_installed_before_the_first_production_apply()
    {
        var groups = RenderedManifests.Render(RenderedManifests.Prod)
            .Select(d => d.Text("apiVersion")!)
            .Where(apiVersion => apiVersion.Contains('/'))
            .Select(apiVersion => apiVersion.Split('/')[0])
            .Where(group => group.Contains('.') && !group.EndsWith(".k8s.io", StringComparison.Ordinal))
            .Distinct()
            .Order()
            .ToList();
        Assert.NotEmpty(groups);
        var commands = GuideCommands();
        var firstApply = commands.FindIndex(c => c.StartsWith(FirstProductionApply, StringComparison.Ordinal));
        Assert.True(firstApply >= 0, $"the guide no longer runs `{FirstProductionApply}`: update this test");

        foreach (var group in groups)
        {
            Assert.True(CrdInstallers.TryGetValue(group, out var installer),
                $"the prod overlay uses kinds of API group {group}: add the guide's command that installs its CRDs to {nameof(CrdInstallers)}");
            var install = commands.FindIndex(c => c.Contains(installer, StringComparison.Ordinal));
            Assert.True(install >= 0 && install < firstApply,
                $"{group}: `{FirstProductionApply}` runs before the guide installs its CRDs ({installer}), so kubectl rejects those objects");
        }
    }

    [Fact]
    public void Every_operator_command_the_guide_names_for_kubernetes_has_a_job_that_leaves_its_output_readable()
    {
        var guide = File.ReadAllLines(Repository.PathOf("deploy/README.md"));
        var heading = Assert.Single(guide, line => line.StartsWith(JobSectionHeading, StringComparison.Ordinal));
        var named = heading[JobSectionHeading.Length..].Replace(" or ", ", ").Split(", ", StringSplitOptions.TrimEntries);
        Assert.Contains("export", named);
        // `harmattan_job NAME COMMAND ARG...`, as the guide defines the helper.
        var jobs = GuideCommands().Select(c => Regex.Match(c, @"\$\(harmattan_job (?<name>\S+) (?<command>\S+)(?<args>[^)]*)\)"))
            .Where(m => m.Success).ToList();

        foreach (var command in named)
            Assert.True(jobs.Any(j => j.Groups["command"].Value == command),
                $"the guide names `{command}` under \"{heading}\" but shows no harmattan_job that runs it");
        // The Job's root file system is read-only and its /tmp goes with the pod: a file written there is out of reach.
        Assert.All(jobs, j => Assert.DoesNotContain("--out", j.Groups["args"].Value));
    }

    private const string JobSectionHeading = "### Run a ";

    [Fact]
    public void No_job_log_is_followed_before_the_jobs_container_has_started()
    {
        var commands = GuideCommands();
        Assert.Contains(commands, c => c.Contains("$(harmattan_job ", StringComparison.Ordinal));
        // The Job's pod exists a moment after `kubectl create`, and until its container runs the API server answers a
        // log request with "container ... is waiting to start: ContainerCreating": `kubectl logs -f` stops there.
        var followedAtOnce = commands.Where(c => Regex.IsMatch(c, @"kubectl .*\blogs -f ""?\$JOB")).ToList();
        Assert.True(followedAtOnce.Count == 0,
            "the guide follows a new Job's log before its container has started, which kubectl logs -f refuses: "
            + string.Join("; ", followedAtOnce));
        Assert.Contains(commands, c => c.StartsWith("harmattan_logs \"$JOB\"", StringComparison.Ordinal));
    }

    /// <summary>The lines of the guide's ```bash blocks, continuation lines joined, comments and blank lines left out.</summary>
    internal static List<string> GuideCommands()
    {
        var commands = new List<string>();
        var inBlock = false;
        var pending = "";
        foreach (var rawLine in File.ReadAllLines(Repository.PathOf("deploy/README.md")))
        {
            var line = rawLine.Trim();
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                inBlock = !inBlock && line == "```bash";
                continue;
            }
            if (!inBlock || line.Length == 0 || line.StartsWith('#'))
                continue;
            pending += line.EndsWith('\\') ? line[..^1] : line;
            if (line.EndsWith('\\'))
                continue;
            commands.Add(pending);
            pending = "";
        }
        return commands;
    }
}
