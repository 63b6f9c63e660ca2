using System.Collections.Concurrent;

namespace Harmattan.Tests.Deploy;

using Document = Dictionary<object, object?>;

/// <summary>The output of <c>kubectl kustomize</c> for base and each overlay, rendered once per test run.</summary>
internal static class RenderedManifests
{
    public const string Base = "deploy/k8s/base";
    public const string Dev = "deploy/k8s/overlays/dev";
    public const string Prod = "deploy/k8s/overlays/prod";

    public static readonly string? Kubectl = Repository.FindTool("kubectl");
    public const string KubectlMissing = "kubectl is not on PATH: install kubectl (it bundles kustomize) to render the manifests";

    private static readonly ConcurrentDictionary<string, Lazy<IReadOnlyList<Document>>> Cache = new();

    public static IReadOnlyList<Document> Render(string kustomization)
    {
        Assert.SkipWhen(Kubectl is null, KubectlMissing);
        return Cache.GetOrAdd(kustomization, k => new Lazy<IReadOnlyList<Document>>(() =>
        {
            var (exitCode, output, error) = Repository.Run(Kubectl!, "kustomize", k);
            Assert.True(exitCode == 0, $"kubectl kustomize {k} failed:\n{error}");
            return Yaml.ParseAll(output);
        })).Value;
    }

    public static IEnumerable<Document> OfKind(this IReadOnlyList<Document> documents, string kind) =>
        documents.Where(d => d.Kind() == kind);

    /// <summary>The pod template of a Deployment, StatefulSet or CronJob.</summary>
    public static object? PodTemplate(this Document workload) => workload.Kind() switch
    {
        "CronJob" => workload.At("spec", "jobTemplate", "spec", "template"),
        _ => workload.At("spec", "template"),
    };

    /// <summary>Every Deployment and CronJob: Harmattan's own and, in prod, the store's nightly backup.</summary>
    public static IEnumerable<Document> Workloads(this IReadOnlyList<Document> documents) =>
        documents.Where(d => d.Kind() is "Deployment" or "CronJob");

    /// <summary>The workloads that run the project's images.</summary>
    public static IEnumerable<Document> HarmattanWorkloads(this IReadOnlyList<Document> documents) =>
        documents.Workloads().Where(w => w.Containers().All(c => c.Text("image")!.StartsWith(ProjectImages, StringComparison.Ordinal)));

    public const string ProjectImages = "ghcr.io/harmattan-etl/";

    /// <summary>The CronJob that runs <c>harmattan trigger</c> hourly, the template of the guide's one-off Jobs.</summary>
    public static Document Trigger(this IReadOnlyList<Document> documents) =>
        Assert.Single(documents.OfKind("CronJob"), c => c.Name() == "harmattan-trigger");

    public static IEnumerable<object?> Containers(this Document workload) =>
        workload.PodTemplate().List("spec", "containers").Concat(workload.PodTemplate().List("spec", "initContainers"));
}
