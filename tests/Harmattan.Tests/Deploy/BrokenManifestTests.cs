namespace Harmattan.Tests.Deploy;

/// <summary>
/// Proves that CI's checks of the Kubernetes manifests fail on a broken field: each case copies deploy/k8s, breaks
/// one thing, renders the prod overlay and runs the schema validator (deploy/k8s/validate, as .ci/run does) and the
/// reference checks (<see cref="ManifestReferences"/>) on it. The unbroken copy passes both.
/// </summary>
public class BrokenManifestTests
{
    private const string Validator = "deploy/k8s/validate/validate.mjs";
    private static readonly string? Node = Repository.FindTool("node");
    /// <summary>Where validate.mjs reads the operators' CRD schemas, as it finds them.</summary>
    private static readonly string CrdFolder = Path.GetFullPath(
        Environment.GetEnvironmentVariable("HARMATTAN_K8S_CRDS") ?? Path.Combine(Repository.Root, "..", "shared", "k8s-crds"));

    public static TheoryData<string, string, string, string, string> Breakages => new()
    {
        // case, file under deploy/k8s, text, replacement, what the failure names
        { "unknown key", "base/extractor.yaml", "readinessProbe:", "readinesProbe:", "readinesProbe: unknown field" },
        { "wrong type", "base/cronjob.yaml", "startingDeadlineSeconds: 600", "startingDeadlineSeconds: ten minutes", "startingDeadlineSeconds: must be integer" },
        { "unknown key in a CRD kind", "overlays/prod/rabbitmq-cluster.yaml", "  replicas: 3", "  replica: 3", "/spec/replica: unknown field" },
        { "wrong type in a CRD kind", "overlays/prod/keda.yaml", "minReplicaCount: 1", "minReplicaCount: one", "minReplicaCount: must be integer" },
        { "missing Secret", "overlays/prod/mongodb-connection.yaml", "name: harmattan-mongodb-connection", "name: harmattan-mongodb-connexion", "reads Secret harmattan-mongodb-connexion," },
        { "missing ConfigMap", "base/transformer.yaml", "name: harmattan-config", "name: harmattan-configuration", "reads ConfigMap harmattan-configuration," },
        { "missing Secret key", "overlays/prod/keda.yaml", "      key: host", "      key: hostname", "reads key hostname of Secret harmattan-keda-rabbitmq" },
        { "replicas on an autoscaled Deployment", "base/transformer.yaml", "  revisionHistoryLimit: 5", "  replicas: 2\n  revisionHistoryLimit: 5", "Deployment transformer: sets spec.replicas" },
        { "wrong queue in a KEDA trigger", "overlays/prod/keda.yaml", "queueName: compute-averages", "queueName: compute-average", "triggers on queue compute-average," },
        { "Service on a missing port name", "base/services.yaml", "      targetPort: http\n---", "      targetPort: web\n---", "targetPort web is not a port of Deployment extractor" },
        { "probe on a missing port", "base/loader.yaml", "path: /health/ready\n              port: http", "path: /health/ready\n              port: 8081", "readinessProbe of container app uses port 8081" },
        { "selector matching no pod", "base/pdb.yaml", "app.kubernetes.io/name: loader", "app.kubernetes.io/name: loaders", "PodDisruptionBudget loader: its selector matches no pod" },
        { "dashboard probe on a missing port", "base/dashboard.yaml", "path: /health/ready\n              port: http", "path: /health/ready\n              port: 8081", "Deployment dashboard: readinessProbe of container app uses port 8081" },
        { "dashboard budget matching no pod", "base/pdb.yaml", "app.kubernetes.io/name: dashboard", "app.kubernetes.io/name: dashbord", "PodDisruptionBudget dashboard: its selector matches no pod" },
        { "unknown key in a prometheus-operator kind", "overlays/prod/monitoring.yaml", "  podMetricsEndpoints:", "  podMetricEndpoints:", "/spec/podMetricEndpoints: unknown field" },
        { "wrong type in a PrometheusRule", "overlays/prod/prometheusrule.yaml", "for: 15m", "for: [15m]", "/spec/groups/0/rules/0/for: must be string" },
        { "PodMonitor on a missing port", "overlays/prod/monitoring.yaml", "    - port: http", "    - port: metrics", "PodMonitor harmattan: port metrics is not a port of Deployment dashboard" },
        { "store budget matching no member", "overlays/prod/mongodb.yaml", "app: mongodb-svc", "app: mongodb", "PodDisruptionBudget mongodb: its selector matches no pod" },
        { "broker budget matching no node", "overlays/prod/rabbitmq-cluster.yaml", "      app.kubernetes.io/component: rabbitmq", "      app.kubernetes.io/component: broker", "PodDisruptionBudget rabbitmq: its selector matches no pod" },
    };

    [Fact]
    public void The_unbroken_manifests_pass_both_checks()
    {
        using var copy = new ManifestCopy();
        var (schemaExitCode, schemaOutput, references) = Check(copy.Root);
        Assert.True(schemaExitCode == 0, schemaOutput);
        Assert.True(references.Count == 0, string.Join('\n', references));
    }

    [Theory]
    [MemberData(nameof(Breakages))]
    public void A_broken_copy_fails_and_the_failure_names_the_problem(string breakage, string file, string text, string replacement, string expected)
    {
        Assert.SkipWhen(breakage.Contains("CRD") && !Directory.Exists(CrdFolder),
            $"the CRD schemas are absent ({CrdFolder}; HARMATTAN_K8S_CRDS names another folder): operator kinds are not schema-checked here");
        using var copy = new ManifestCopy();
        var path = Path.Combine(copy.Root, file);
        var original = File.ReadAllText(path);
        Assert.True(original.Contains(text), $"{file} no longer contains \"{text}\": update this case");
        File.WriteAllText(path, ReplaceFirst(original, text, replacement));

        var (schemaExitCode, schemaOutput, references) = Check(copy.Root);

        var failures = schemaOutput + "\n" + string.Join('\n', references);
        Assert.True(schemaExitCode != 0 || references.Count > 0, $"{breakage}: both checks passed");
        Assert.Contains(expected, failures);
    }

    [Fact]
    public void A_generated_secret_wrapped_over_lines_passes_and_one_that_is_not_base64_fails()
    {
        Assert.SkipWhen(RenderedManifests.Kubectl is null, RenderedManifests.KubectlMissing);
        Assert.SkipWhen(Node is null, "node is not on PATH (Debian: apt-get install nodejs npm)");
        Assert.SkipWhen(!Directory.Exists(Repository.PathOf("deploy/k8s/validate/node_modules")),
            "the validator's packages are not installed: npm ci --prefix deploy/k8s/validate");
        using var copy = new ManifestCopy();
        // As deploy/README.md has the operator write it: the operator's user and password make any real host URL
        // longer than the line kustomize wraps its base64 at.
        var host = "http://default_user_EXAMPLE0EXAMPLE0EXA:EXAMPLE0EXAMPLE0EXAMPLE0EXAMPLE0@rabbitmq.harmattan.svc:15672/";
        var local = Path.Combine(copy.Root, "overlays", "prod-local");
        File.WriteAllText(Path.Combine(local, "keda-rabbitmq.env"), $"host={host}\n");
        File.WriteAllText(Path.Combine(local, "mongodb-password.env"), "password=CHANGE_ME\n");
        File.WriteAllText(Path.Combine(local, "dashboard-mongodb-password.env"), "password=CHANGE_ME\n");

        var (renderExitCode, rendered, renderError) = Repository.Run(RenderedManifests.Kubectl!, "kustomize", local);
        Assert.True(renderExitCode == 0, $"kubectl kustomize failed:\n{renderError}");
        var encoded = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(host));
        Assert.DoesNotContain(encoded, rendered); // wrapped, or this case proves nothing
        Assert.Contains(encoded[..40], rendered);

        var (exitCode, output) = Validate(copy, "prod-local.yaml", rendered);
        Assert.True(exitCode == 0, output);

        (exitCode, output) = Validate(copy, "not-base64.yaml", rendered.Replace(encoded[..40], encoded[..39] + "%"));
        Assert.Equal(1, exitCode);
        Assert.Contains("Secret/harmattan-keda-rabbitmq: /data/host: must be in format byte (base64)", output);
    }

    private static (int ExitCode, string Output) Validate(ManifestCopy copy, string fileName, string rendered)
    {
        var file = Path.Combine(copy.Root, fileName);
        File.WriteAllText(file, rendered);
        var (exitCode, output, error) = Repository.Run(Node!, Repository.PathOf(Validator), file);
        return (exitCode, output + error);
    }

    /// <summary>Renders the copy's prod overlay once and runs both checks on it.</summary>
    private static (int SchemaExitCode, string SchemaOutput, IReadOnlyList<string> References) Check(string copy)
    {
        Assert.SkipWhen(RenderedManifests.Kubectl is null, RenderedManifests.KubectlMissing);
        Assert.SkipWhen(Node is null, "node is not on PATH (Debian: apt-get install nodejs npm)");
        Assert.SkipWhen(!Directory.Exists(Repository.PathOf("deploy/k8s/validate/node_modules")),
            "the validator's packages are not installed: npm ci --prefix deploy/k8s/validate");

        var (renderExitCode, rendered, renderError) = Repository.Run(RenderedManifests.Kubectl!, "kustomize", Path.Combine(copy, "overlays", "prod"));
        Assert.True(renderExitCode == 0, $"kubectl kustomize failed:\n{renderError}");
        var renderedFile = Path.Combine(copy, "prod.yaml");
        File.WriteAllText(renderedFile, rendered);

        var (exitCode, output, error) = Repository.Run(Node!, Repository.PathOf(Validator), renderedFile);
        return (exitCode, output + error, ManifestReferences.Problems(Yaml.ParseAll(rendered)));
    }

    /// <summary>A throw-away copy of deploy/k8s/base, overlays/prod and prod-local.example (as prod-local), in the same layout.</summary>
    private sealed class ManifestCopy : IDisposable
    {
        public string Root { get; } = Directory.CreateTempSubdirectory("harmattan-k8s-").FullName;

        public ManifestCopy()
        {
            foreach (var (folder, copyFolder) in new[] { ("base", "base"), ("overlays/prod", "overlays/prod"), ("overlays/prod-local.example", "overlays/prod-local") })
            {
                Directory.CreateDirectory(Path.Combine(Root, copyFolder));
                foreach (var file in Directory.GetFiles(Repository.PathOf($"deploy/k8s/{folder}")))
                    File.Copy(file, Path.Combine(Root, copyFolder, Path.GetFileName(file)));
            }
        }

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }

    private static string ReplaceFirst(string text, string oldValue, string newValue)
    {
        var index = text.IndexOf(oldValue, StringComparison.Ordinal);
        return text[..index] + newValue + text[(index + oldValue.Length)..];
    }
}
