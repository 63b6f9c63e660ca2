using Harmattan.Hosting;

namespace Harmattan.Tests.Deploy;

using Document = Dictionary<object, object?>;

/// <summary>
/// The references between the objects of one rendered kustomization that no schema checks: selectors that match
/// pods (Services, PodMonitors, and PodDisruptionBudgets, which may select an operator's pods), ports that exist,
/// Secrets and ConfigMaps that exist (or that an operator makes), autoscalers whose targets exist and set no replica
/// count, KEDA triggers on the queues the services declare. Each problem is one sentence
/// naming the object; an empty list means the manifests hold together.
/// </summary>
internal static class ManifestReferences
{
    public static IReadOnlyList<string> Problems(IReadOnlyList<Document> documents)
    {
        var problems = new List<string>();
        var workloads = documents.Where(d => d.Kind() is "Deployment" or "StatefulSet" or "CronJob").ToList();
        var pods = workloads.Select(w => (Workload: w, Labels: w.PodTemplate().Labels("metadata", "labels"))).ToList();

        foreach (var workload in workloads.Where(w => w.Kind() != "CronJob"))
            if (!NetworkPolicies.Selects(workload.At("spec", "selector"), workload.PodTemplate().Labels("metadata", "labels")))
                problems.Add($"{Id(workload)}: spec.selector does not match its own pod template's labels");

        foreach (var service in documents.OfKind("Service"))
        {
            var selector = service.Labels("spec", "selector");
            var selected = pods.Where(p => selector.Count > 0 && selector.All(l => p.Labels.GetValueOrDefault(l.Key) == l.Value)).ToList();
            if (selected.Count == 0)
            {
                problems.Add($"{Id(service)}: its selector matches no pod of the manifests");
                continue;
            }
            foreach (var port in service.List("spec", "ports"))
            {
                var target = port.Text("targetPort") ?? port.Text("port")!;
                foreach (var (workload, _) in selected.Where(p => !p.Workload.Containers().Any(c => HasPort(c, target))))
                    problems.Add($"{Id(service)}: targetPort {target} is not a port of {Id(workload)}");
            }
        }

        var operatorPods = OperatorMadePods(documents).Select(p => p.Labels).ToList();
        foreach (var budget in documents.OfKind("PodDisruptionBudget"))
            if (!pods.Select(p => p.Labels).Concat(operatorPods).Any(labels => NetworkPolicies.Selects(budget.At("spec", "selector"), labels)))
                problems.Add($"{Id(budget)}: its selector matches no pod of the manifests");

        foreach (var monitor in documents.OfKind("PodMonitor"))
        {
            var selected = pods.Where(p => NetworkPolicies.Selects(monitor.At("spec", "selector"), p.Labels)).ToList();
            if (selected.Count == 0)
                problems.Add($"{Id(monitor)}: its selector matches no pod of the manifests");
            foreach (var port in monitor.List("spec", "podMetricsEndpoints").Select(e => e.Text("port")).OfType<string>())
            foreach (var (workload, _) in selected.Where(p => !p.Workload.Containers().Any(c => HasPort(c, port))))
                problems.Add($"{Id(monitor)}: port {port} is not a port of {Id(workload)}");
        }

        foreach (var workload in workloads)
        foreach (var container in workload.Containers())
        foreach (var probe in new[] { "startupProbe", "livenessProbe", "readinessProbe" })
        foreach (var action in new[] { "httpGet", "tcpSocket", "grpc" })
            if (container.Text(probe, action, "port") is { } port && !HasPort(container, port))
                problems.Add($"{Id(workload)}: {probe} of container {container.Text("name")} uses port {port}, which the container does not declare");

        problems.AddRange(MissingSecretsAndConfigMaps(documents, workloads));
        problems.AddRange(AutoscalerProblems(documents));
        return problems;
    }

    /// <summary>Secrets an operator writes at run time, named by the resources that make it write them.</summary>
    public static IEnumerable<string> OperatorMadeSecrets(IReadOnlyList<Document> documents) =>
        documents.OfKind("RabbitmqCluster").Select(c => c.Name() + "-default-user")
            .Concat(documents.OfKind("MongoDBCommunity").SelectMany(m => m.List("spec", "users"))
                .SelectMany(u => new[] { u.Text("connectionStringSecretName"), u.Text("scramCredentialsSecretName") })
                .OfType<string>());

    /// <summary>
    /// The labels of the pods an operator runs, named by the resources that make it run them: the RabbitMQ cluster
    /// operator labels each node's pod with the cluster's name, component and part-of rabbitmq
    /// (internal/metadata/label.go); the MongoDB operator labels each member's pod <c>app: &lt;name&gt;-svc</c> (or the
    /// service name the resource sets), beside the labels of its <c>statefulSet</c> override
    /// (mongodb-community-operator/controllers/construct/mongodbstatefulset.go).
    /// </summary>
    public static IEnumerable<(string Owner, IReadOnlyDictionary<string, string> Labels)> OperatorMadePods(IReadOnlyList<Document> documents)
    {
        foreach (var cluster in documents.OfKind("RabbitmqCluster"))
            yield return (Id(cluster), new Dictionary<string, string>
            {
                ["app.kubernetes.io/name"] = cluster.Name(),
                ["app.kubernetes.io/component"] = "rabbitmq",
                ["app.kubernetes.io/part-of"] = "rabbitmq",
            });
        foreach (var mongodb in documents.OfKind("MongoDBCommunity"))
        {
            var labels = mongodb.Labels("spec", "statefulSet", "spec", "template", "metadata", "labels").ToDictionary();
            labels["app"] = mongodb.Text("spec", "statefulSet", "spec", "serviceName") ?? mongodb.Name() + "-svc";
            yield return (Id(mongodb), labels);
        }
    }

    private static IEnumerable<string> MissingSecretsAndConfigMaps(IReadOnlyList<Document> documents, List<Document> workloads)
    {
        var secrets = documents.OfKind("Secret").ToDictionary(d => d.Name());
        var operatorMade = OperatorMadeSecrets(documents).ToHashSet();
        var configMaps = documents.OfKind("ConfigMap").ToDictionary(d => d.Name());

        IEnumerable<string> Secret(string owner, string? name, string? key, bool optional)
        {
            if (name is null || optional || operatorMade.Contains(name))
                yield break;
            if (!secrets.TryGetValue(name, out var secret))
                yield return $"{owner}: reads Secret {name}, which neither the manifests nor an operator make";
            else if (key is not null && secret.At("stringData", key) is null && secret.At("data", key) is null)
                yield return $"{owner}: reads key {key} of Secret {name}, which has no such key";
        }

        IEnumerable<string> ConfigMap(string owner, string? name, string? key, bool optional)
        {
            if (name is null || optional)
                yield break;
            if (!configMaps.TryGetValue(name, out var configMap))
                yield return $"{owner}: reads ConfigMap {name}, which the manifests do not make";
            else if (key is not null && configMap.At("data", key) is null)
                yield return $"{owner}: reads key {key} of ConfigMap {name}, which has no such key";
        }

        foreach (var workload in workloads)
        {
            foreach (var container in workload.Containers())
            {
                foreach (var env in container.List("env"))
                {
                    var owner = $"{Id(workload)} env {env.Text("name")}";
                    if (env.At("value") is not null && env.At("valueFrom") is not null)
                        yield return $"{owner}: has both value and valueFrom";
                    var secretRef = env.At("valueFrom", "secretKeyRef");
                    foreach (var p in Secret(owner, secretRef.Text("name"), secretRef.Text("key"), secretRef.Text("optional") == "true"))
                        yield return p;
                    var configMapRef = env.At("valueFrom", "configMapKeyRef");
                    foreach (var p in ConfigMap(owner, configMapRef.Text("name"), configMapRef.Text("key"), configMapRef.Text("optional") == "true"))
                        yield return p;
                }
                foreach (var source in container.List("envFrom"))
                {
                    foreach (var p in Secret(Id(workload), source.Text("secretRef", "name"), null, source.Text("secretRef", "optional") == "true"))
                        yield return p;
                    foreach (var p in ConfigMap(Id(workload), source.Text("configMapRef", "name"), null, source.Text("configMapRef", "optional") == "true"))
                        yield return p;
                }
            }
            foreach (var volume in workload.PodTemplate().List("spec", "volumes"))
            {
                foreach (var p in Secret(Id(workload), volume.Text("secret", "secretName"), null, volume.Text("secret", "optional") == "true"))
                    yield return p;
                foreach (var p in ConfigMap(Id(workload), volume.Text("configMap", "name"), null, volume.Text("configMap", "optional") == "true"))
                    yield return p;
            }
        }

        foreach (var authentication in documents.OfKind("TriggerAuthentication"))
        foreach (var reference in authentication.List("spec", "secretTargetRef"))
        foreach (var p in Secret(Id(authentication), reference.Text("name"), reference.Text("key"), optional: false))
            yield return p;

        foreach (var mongodb in documents.OfKind("MongoDBCommunity"))
        foreach (var user in mongodb.List("spec", "users"))
        foreach (var p in Secret(Id(mongodb), user.Text("passwordSecretRef", "name"), user.Text("passwordSecretRef", "key") ?? "password", optional: false))
            yield return p;
    }

    private static IEnumerable<string> AutoscalerProblems(IReadOnlyList<Document> documents)
    {
        var deployments = documents.OfKind("Deployment").ToDictionary(d => d.Name());
        var authentications = documents.OfKind("TriggerAuthentication").Select(d => d.Name()).ToHashSet();
        var autoscalers = documents.OfKind("HorizontalPodAutoscaler").Select(h => (Autoscaler: h, Target: h.Text("spec", "scaleTargetRef", "name")))
            .Concat(documents.OfKind("ScaledObject").Select(s => (Autoscaler: s, Target: s.Text("spec", "scaleTargetRef", "name"))));

        foreach (var (autoscaler, target) in autoscalers)
        {
            if (target is null || !deployments.TryGetValue(target, out var deployment))
                yield return $"{Id(autoscaler)}: scales Deployment {target}, which the manifests do not make";
            else if (deployment.At("spec", "replicas") is not null)
                yield return $"{Id(deployment)}: sets spec.replicas although {Id(autoscaler)} scales it (every apply would reset the count)";
        }

        foreach (var scaledObject in documents.OfKind("ScaledObject"))
        foreach (var trigger in scaledObject.List("spec", "triggers"))
        {
            if (trigger.Text("authenticationRef", "name") is { } authentication && !authentications.Contains(authentication))
                yield return $"{Id(scaledObject)}: trigger authentication {authentication} does not exist";
            if (trigger.Text("type") == "rabbitmq" && !QueueNames.All.Contains(trigger.Text("metadata", "queueName")))
                yield return $"{Id(scaledObject)}: triggers on queue {trigger.Text("metadata", "queueName")}, which no service declares "
                    + $"(QueueNames: {string.Join(", ", QueueNames.All)})";
        }
    }

    private static bool HasPort(object? container, string port) =>
        container.List("ports").Any(p => p.Text("name") == port || p.Text("containerPort") == port);

    private static string Id(Document document) => $"{document.Kind()} {document.Name()}";
}
