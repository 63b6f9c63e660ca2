using System.Text.RegularExpressions;
using Harmattan.Hosting;

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

    [Fact]
    public void The_first_production_deployment_sends_every_queue_s_dropped_messages_to_its_error_queue()
    {
        var commands = GuideCommands();
        var brokerReady = commands.FindIndex(c => c.StartsWith("kubectl -n harmattan wait rabbitmqcluster/rabbitmq", StringComparison.Ordinal));
        var servicesRolled = commands.FindIndex(brokerReady + 1, c => c.StartsWith("kubectl -n harmattan rollout status deployment/extractor", StringComparison.Ordinal));
        Assert.True(brokerReady >= 0 && servicesRolled > brokerReady, "the guide's first deployment no longer waits for RabbitMQ, then the services: update this test");

        var loop = commands.FindIndex(brokerReady, c => c.StartsWith("for q in ", StringComparison.Ordinal));
        Assert.True(loop > brokerReady && loop < servicesRolled, "the dead-letter policies are not set in the first deployment");
        Assert.Equal(QueueNames.All.Order(), commands[loop]["for q in ".Length..].Split(';')[0].Split(' ').Order());
        Assert.Contains("rabbitmqctl set_policy --apply-to queues", commands[loop + 1]);
        Assert.Contains("dead-letter-routing-key\\\":\\\"${q}_error", commands[loop + 1]);
    }

    [Fact]
    public void The_job_helper_runs_the_command_given_once_and_for_as_long_as_it_takes_outside_the_cronjob_s_history()
    {
        var jq = Repository.FindTool("jq");
        Assert.SkipWhen(jq is null, "jq is not on PATH: install jq to run the guide's harmattan_job filter");
        var guide = File.ReadAllText(Repository.PathOf("deploy/README.md"));
        var filter = Regex.Match(guide, @"jq --argjson args [^\n]*\\\n\s*'(?<filter>[^']+)'").Groups["filter"].Value;
        Assert.NotEmpty(filter);
        var cronJob = RenderedManifests.Render(RenderedManifests.Prod).Trigger();
        var jobSpec = cronJob.At("spec", "jobTemplate", "spec");
        Assert.NotEqual("0", jobSpec.Text("backoffLimit"));
        // What `kubectl create job --from=cronjob/harmattan-trigger` makes: the CronJob's job template, owned by the CronJob.
        var job = $$"""
            {"apiVersion": "batch/v1", "kind": "Job",
             "metadata": {"name": "harmattan-backfill-1", "ownerReferences": [{"kind": "CronJob", "name": "{{cronJob.Name()}}"}]},
             "spec": {"backoffLimit": {{jobSpec.Text("backoffLimit")}}, "activeDeadlineSeconds": {{jobSpec.Text("activeDeadlineSeconds")}},
                      "template": {"spec": {"containers": [{"name": "harmattan", "args": ["trigger"]} ] } } } }
            """;

        var (exit, output, error) = Repository.Run(jq!, "-c", "-n", "--argjson", "job", job, "--argjson", "args", """["backfill","--from","2025-01-01"]""",
            "$job | " + filter);

        Assert.True(exit == 0, error);
        Assert.Equal("""{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"harmattan-backfill-1"},"spec":{"backoffLimit":0,"template":""" +
            """{"spec":{"containers":[{"name":"harmattan","args":["backfill","--from","2025-01-01"]}]}}}}""", output.Trim());
    }

    [Fact]
    public void The_upgrade_deletes_only_objects_this_release_no_longer_has()
    {
        var deletes = GuideCommands().Where(c => c.StartsWith("kubectl -n harmattan delete --ignore-not-found ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(deletes);
        var rendered = new[] { RenderedManifests.Dev, RenderedManifests.Prod }.SelectMany(RenderedManifests.Render)
            .Select(d => $"{d.Kind()!.ToLowerInvariant()}/{d.Name()}").ToHashSet();

        foreach (var delete in deletes)
        {
            var words = delete["kubectl -n harmattan delete --ignore-not-found ".Length..].Split(' ');
            foreach (var name in words[1..])
                Assert.DoesNotContain($"{words[0]}/{name}", rendered);
        }
        Assert.Contains(deletes, d => d.EndsWith("configmap harmattan-config", StringComparison.Ordinal));
        // The pods of the release before read that ConfigMap until the new release has rolled out, and after a rollback.
        var commands = GuideCommands();
        var configDelete = commands.FindIndex(c => c.EndsWith("configmap harmattan-config", StringComparison.Ordinal));
        var apply = commands.FindLastIndex(configDelete, c => c.StartsWith(FirstProductionApply, StringComparison.Ordinal));
        Assert.True(apply >= 0 && commands.Skip(apply).Take(configDelete - apply).Any(c => c.Contains("rollout status", StringComparison.Ordinal)),
            "the upgrade deletes the ConfigMap without a hash before the new release has rolled out");
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
