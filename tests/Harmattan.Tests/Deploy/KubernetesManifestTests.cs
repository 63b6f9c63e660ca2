using System.Globalization;
using System.Text.RegularExpressions;
using Harmattan.Hosting;
using Harmattan.Storage;
using Harmattan.Storage.MongoDb;

namespace Harmattan.Tests.Deploy;

using Document = Dictionary<object, object?>;

/// <summary>
/// Renders deploy/k8s (base and both overlays) with kubectl kustomize and checks what a reviewer of the
/// manifests would check by hand. Nothing here needs a cluster.
/// </summary>
public class KubernetesManifestTests
{
    public static TheoryData<string> Kustomizations =>
        [RenderedManifests.Base, RenderedManifests.Dev, RenderedManifests.Prod];

    private static readonly string[] Services = ["extractor", "transformer", "loader"];
    private const string Dashboard = "dashboard";

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_kustomization_renders_the_three_services_the_dashboard_and_the_trigger(string kustomization)
    {
        var documents = RenderedManifests.Render(kustomization);

        Assert.Equal(Services.Append(Dashboard).Order(), documents.OfKind("Deployment").Select(d => d.Name()).Order());
        Assert.Equal("harmattan-trigger", Assert.Single(documents.HarmattanWorkloads(), w => w.Kind() == "CronJob").Name());
        // The workloads every check of the project's pods reads (by their images): none left out.
        Assert.Equal(Services.Length + 2, documents.HarmattanWorkloads().Count());
        Assert.All(documents.Where(d => d.Kind() != "Namespace"), d => Assert.Equal("harmattan", d.Text("metadata", "namespace")));
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_deployment_is_probed_on_its_health_endpoints(string kustomization)
    {
        foreach (var deployment in RenderedManifests.Render(kustomization).OfKind("Deployment"))
        {
            var container = Assert.Single(deployment.Containers());
            Assert.Equal("/health/ready", container.Text("readinessProbe", "httpGet", "path"));
            Assert.Equal("/health/live", container.Text("livenessProbe", "httpGet", "path"));
            var port = container.Text("readinessProbe", "httpGet", "port");
            Assert.Contains(container.List("ports"), p => p.Text("name") == port && p.Text("containerPort") == "8080");
        }
    }

    /// <summary>
    /// What a readiness probe leaves the process beyond the store's ping (<see cref="StoreReadiness.PingTimeout"/>) to
    /// answer: a store that does not answer is then an Unhealthy answer with its reason, not a probe time-out.
    /// </summary>
    internal static readonly TimeSpan ReadinessAnswerMargin = TimeSpan.FromSeconds(1);

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_readiness_probe_waits_longer_than_the_store_ping_of_the_readiness_check(string kustomization)
    {
        foreach (var deployment in RenderedManifests.Render(kustomization).OfKind("Deployment"))
        {
            var probe = Assert.Single(deployment.Containers()).At("readinessProbe");
            var timeout = TimeSpan.FromSeconds(Seconds(probe, "timeoutSeconds", 1));
            Assert.True(StoreReadiness.PingTimeout + ReadinessAnswerMargin <= timeout,
                $"{deployment.Name()}: its readiness probe times out after {timeout.TotalSeconds} s, the readiness check waits up to "
                + $"{StoreReadiness.PingTimeout.TotalSeconds} s for the store (StoreReadiness.PingTimeout) and needs {ReadinessAnswerMargin.TotalSeconds} s more to answer");
        }
    }

    /// <summary>
    /// How long after a process's own start deadline its startup probe may fire at the earliest: until then the
    /// process stops by itself and logs why (broker or store unreachable), instead of being killed mid-stop.
    /// </summary>
    private static readonly TimeSpan OwnStopMargin = TimeSpan.FromSeconds(20);

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_startup_probe_outlasts_what_the_process_waits_for_by_itself(string kustomization)
    {
        var documents = RenderedManifests.Render(kustomization);
        foreach (var deployment in documents.OfKind("Deployment"))
        {
            var container = Assert.Single(deployment.Containers());
            var waits = TimeSpan.Zero;
            if (Services.Contains(deployment.Name()))
                waits += Duration(Setting(documents, container, "Bus__StartTimeout")) ?? new BusOptions().StartTimeout;
            // The loader initialises the store before its bus starts; the others only read it when they can.
            if (deployment.Name() == "loader")
                waits += Duration(Setting(documents, container, "Storage__MongoOperationTimeout")) ?? MongoStoreOptions.DefaultOperationTimeout;

            var probe = container.At("startupProbe");
            Assert.NotNull(probe);
            var budget = TimeSpan.FromSeconds(Seconds(probe, "initialDelaySeconds", 0)
                + Seconds(probe, "periodSeconds", 10) * Seconds(probe, "failureThreshold", 3));
            Assert.True(budget >= waits + OwnStopMargin,
                $"{deployment.Name()}: its startup probe gives up after {budget.TotalSeconds} s, the process itself waits up to "
                + $"{waits.TotalSeconds} s (Bus:StartTimeout, and for the loader Storage:MongoOperationTimeout)");
        }
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_harmattan_process_counts_a_fixed_number_of_cores_not_the_nodes(string kustomization)
    {
        var documents = RenderedManifests.Render(kustomization);
        foreach (var workload in documents.HarmattanWorkloads())
        foreach (var container in workload.Containers())
        {
            var count = Setting(documents, container, "DOTNET_PROCESSOR_COUNT");
            Assert.True(int.TryParse(count, CultureInfo.InvariantCulture, out var cores) && cores >= 1,
                $"{workload.Name()}: DOTNET_PROCESSOR_COUNT is {count ?? "not set"}");
        }
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_file_a_kustomization_reads_is_in_git_not_only_in_a_working_tree(string kustomization)
    {
        var git = Repository.FindTool("git");
        Assert.SkipWhen(git is null || !Directory.Exists(Repository.PathOf(".git")), "not a git checkout, or git is not on PATH");
        var file = Yaml.ParseAll(File.ReadAllText(Repository.PathOf($"{kustomization}/kustomization.yaml"))).Single();
        IEnumerable<string> named =
        [
            .. file.List("resources").Cast<string>(),
            .. file.List("patches").Select(p => p.Text("path")).OfType<string>(),
            .. file.List("configMapGenerator").Concat(file.List("secretGenerator")).SelectMany(g => g.List("envs").Concat(g.List("files"))).Cast<string>(),
        ];

        foreach (var path in named.Where(p => !p.StartsWith("../", StringComparison.Ordinal)))
        {
            // A file git ignores is in the checkout it was made in, and missing from every clone.
            var (exitCode, output, error) = Repository.Run(git!, "ls-files", "--error-unmatch", $"{kustomization}/{path}");
            Assert.True(exitCode == 0, $"{kustomization}/kustomization.yaml names {path}, which git does not track (ignored?): {output}{error}");
        }
    }

    [Fact]
    public void The_configuration_s_name_changes_with_its_content_so_that_a_change_rolls_the_pods_and_a_rollback_reads_its_own()
    {
        var names = new[] { RenderedManifests.Base, RenderedManifests.Dev, RenderedManifests.Prod }.Select(kustomization =>
        {
            var documents = RenderedManifests.Render(kustomization);
            var config = Assert.Single(documents.OfKind("ConfigMap"), c => c.Name().StartsWith("harmattan-config", StringComparison.Ordinal));
            Assert.Matches("^harmattan-config-[a-z0-9]{10}$", config.Name());
            foreach (var workload in documents.HarmattanWorkloads())
                Assert.Contains(workload.Containers().Single().List("envFrom"), e => e.Text("configMapRef", "name") == config.Name());
            return config.Name();
        }).ToList();

        // Base and dev hold the same configuration; prod's differs (quorum queues), and so does its name.
        Assert.Equal(names[0], names[1]);
        Assert.NotEqual(names[0], names[2]);
    }

    [Fact]
    public void A_station_list_merged_in_an_installation_s_overlay_replaces_the_default_stations_whole()
    {
        Assert.SkipWhen(RenderedManifests.Kubectl is null, RenderedManifests.KubectlMissing);
        // As deploy/README.md tells an installation to set its values: a ConfigMap merge over prod in its own overlay.
        var overlay = Directory.CreateTempSubdirectory("harmattan-one-station-");
        try
        {
            File.WriteAllText(Path.Combine(overlay.FullName, "kustomization.yaml"), $"""
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources:
                  - {Path.GetRelativePath(overlay.FullName, Repository.PathOf(RenderedManifests.Prod))}
                configMapGenerator:
                  - name: harmattan-config
                    behavior: merge
                    literals:
                      - Stations__0__Id=283000001
                      - Stations__0__Name=CityHall
                """);
            var (exitCode, output, error) = Repository.Run(RenderedManifests.Kubectl!, "kustomize", overlay.FullName);
            Assert.True(exitCode == 0, error);

            var config = Assert.Single(Yaml.ParseAll(output).OfKind("ConfigMap"), c => c.Name().StartsWith("harmattan-config", StringComparison.Ordinal));
            var stationKeys = ((Dictionary<object, object?>)config.At("data")!).Keys.Cast<string>()
                .Where(key => key.StartsWith("Stations__", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
            Assert.Equal(["Stations__0__Id", "Stations__0__Name"], stationKeys);
        }
        finally
        {
            overlay.Delete(recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_container_requests_cpu_and_is_limited_in_memory(string kustomization)
    {
        foreach (var workload in RenderedManifests.Render(kustomization).Workloads())
        foreach (var container in workload.Containers())
        {
            Assert.False(string.IsNullOrEmpty(container.Text("resources", "requests", "cpu")), $"{workload.Name()}: no CPU request");
            Assert.False(string.IsNullOrEmpty(container.Text("resources", "limits", "memory")), $"{workload.Name()}: no memory limit");
        }
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_deployment_and_cronjob_pod_runs_unprivileged_on_a_read_only_root(string kustomization)
    {
        foreach (var workload in RenderedManifests.Render(kustomization).Workloads())
        {
            var pod = workload.PodTemplate().At("spec");
            Assert.Equal("true", pod.Text("securityContext", "runAsNonRoot"));
            Assert.NotEqual("0", pod.Text("securityContext", "runAsUser"));
            foreach (var container in workload.Containers())
            {
                Assert.Equal("true", container.Text("securityContext", "readOnlyRootFilesystem"));
                Assert.Equal("false", container.Text("securityContext", "allowPrivilegeEscalation"));
                Assert.Contains("ALL", container.List("securityContext", "capabilities", "drop"));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_image_has_a_pinned_tag(string kustomization)
    {
        var workloads = RenderedManifests.Render(kustomization).Where(d => d.Kind() is "Deployment" or "CronJob" or "StatefulSet");
        foreach (var workload in workloads)
        foreach (var container in workload.Containers())
        {
            var image = container.Text("image")!;
            var tag = Regex.Match(image, @":(?<tag>[^:/@]+)$").Groups["tag"].Value;
            Assert.False(tag is "" or "latest", $"{workload.Name()}: image {image} has no pinned tag");
        }
    }

    [Fact]
    public void The_project_images_are_tagged_with_the_release_the_programs_report()
    {
        var version = Regex.Match(File.ReadAllText(Repository.PathOf("Directory.Build.props")), "<Version>(?<v>[^<]+)</Version>").Groups["v"].Value;
        Assert.NotEmpty(version);
        var images = RenderedManifests.Render(RenderedManifests.Base).Where(d => d.Kind() is "Deployment" or "CronJob")
            .SelectMany(w => w.Containers()).Select(c => c.Text("image")!).ToList();
        Assert.Equal(5, images.Count);
        Assert.All(images, image => Assert.EndsWith(":" + version, image));
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_service_gets_longer_to_stop_than_it_takes_to_drain(string kustomization)
    {
        // Bus:StopTimeout (30 s) + the host's 15 s margin. The dashboard consumes no messages.
        foreach (var workload in RenderedManifests.Render(kustomization).HarmattanWorkloads().Where(w => w.Name() != Dashboard))
            Assert.True(int.Parse(workload.PodTemplate().Text("spec", "terminationGracePeriodSeconds") ?? "30") >= 60,
                $"{workload.Name()}: terminationGracePeriodSeconds below 60");
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_deployment_has_a_disruption_budget_and_a_health_service(string kustomization)
    {
        var documents = RenderedManifests.Render(kustomization);
        foreach (var deployment in documents.OfKind("Deployment"))
        {
            var podLabels = deployment.PodTemplate().Labels("metadata", "labels");
            Assert.Single(documents.OfKind("PodDisruptionBudget"), pdb => NetworkPolicies.Selects(pdb.At("spec", "selector"), podLabels));
            Assert.Single(documents.OfKind("Service"), s => s.Labels("spec", "selector").Count > 0
                && s.Labels("spec", "selector").All(l => podLabels.GetValueOrDefault(l.Key) == l.Value)
                && s.List("spec", "ports").Any(p => p.Text("targetPort") == "http"));
        }
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void The_trigger_runs_hourly_one_at_a_time(string kustomization)
    {
        var cronJob = RenderedManifests.Render(kustomization).Trigger();

        Assert.Matches(@"^\d{1,2} \* \* \* \*$", cronJob.Text("spec", "schedule"));
        Assert.Equal("Forbid", cronJob.Text("spec", "concurrencyPolicy"));
        var container = Assert.Single(cronJob.Containers());
        Assert.Equal(["trigger"], container.List("args").Cast<string>());
        Assert.EndsWith("/cli", container.Text("image")!.Split(':')[0]);
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Network_policies_deny_by_default_and_allow_the_pipeline_flows(string kustomization)
    {
        var documents = RenderedManifests.Render(kustomization);
        var policies = new NetworkPolicies(documents);
        var defaultDeny = Assert.Single(policies.All, p => p.At("spec", "podSelector") is Dictionary<object, object?> { Count: 0 }
            && p.List("spec", "ingress").Count == 0 && p.List("spec", "egress").Count == 0);
        Assert.Equal(["Ingress", "Egress"], defaultDeny.List("spec", "policyTypes").Cast<string>());

        var rabbitmq = Labels("rabbitmq");
        var mongodb = Labels("mongodb");
        var coreDns = Labels("kube-dns", key: "k8s-app");
        var otherDns = Labels("rke2-coredns-rke2-coredns", key: "app.kubernetes.io/instance");
        const string nodeLocalDnsCache = "169.254.20.10";
        foreach (var workload in documents.HarmattanWorkloads())
        {
            var pod = workload.PodTemplate().Labels("metadata", "labels");
            Assert.True(policies.IsIsolated(pod, "Egress"));
            Assert.True(policies.AllowsEgress(pod, rabbitmq, 5672) == (workload.Name() != Dashboard),
                $"{workload.Name()}: RabbitMQ reachable from the bus clients only");
            Assert.True(policies.AllowsEgress(pod, coreDns, 53, toNamespace: "kube-system"), $"{workload.Name()} cannot resolve names");
            Assert.True(policies.AllowsEgress(pod, otherDns, 53, toNamespace: "kube-system"), $"{workload.Name()}: DNS depends on CoreDNS's labels");
            Assert.True(policies.AllowsEgressToAddress(pod, nodeLocalDnsCache, 53), $"{workload.Name()} cannot reach NodeLocal DNSCache");
            Assert.False(policies.AllowsEgress(pod, rabbitmq, 15672), $"{workload.Name()} reaches the management API it does not use");
        }

        var extractor = PodLabels(documents, "extractor");
        var transformer = PodLabels(documents, "transformer");
        var loader = PodLabels(documents, "loader");
        var dashboard = PodLabels(documents, Dashboard);
        var cli = documents.Trigger().PodTemplate().Labels("metadata", "labels");

        Assert.True(policies.AllowsEgress(loader, mongodb, 27017));
        Assert.True(policies.AllowsEgress(dashboard, mongodb, 27017));
        Assert.True(policies.AllowsEgress(cli, mongodb, 27017));
        Assert.False(policies.AllowsEgress(transformer, mongodb, 27017));
        Assert.False(policies.AllowsEgress(extractor, mongodb, 27017));

        const string publicAddress = "203.0.113.10";
        Assert.True(policies.AllowsEgressToAddress(extractor, publicAddress, 443));
        Assert.False(policies.AllowsEgressToAddress(extractor, "10.1.2.3", 443));
        Assert.False(policies.AllowsEgressToAddress(extractor, "169.254.169.254", 80));
        Assert.False(policies.AllowsEgressToAddress(transformer, publicAddress, 443));
        Assert.False(policies.AllowsEgressToAddress(loader, publicAddress, 443));
        Assert.False(policies.AllowsEgressToAddress(dashboard, publicAddress, 443));

        // Kubelet probes come from the pod's node, which NetworkPolicies never block: no rule is needed for them, and the
        // services' health and metrics stay closed to every other pod (prod's Prometheus aside, in its own test).
        foreach (var (name, service) in new[] { ("extractor", extractor), ("transformer", transformer), ("loader", loader) })
        {
            Assert.True(policies.IsIsolated(service, "Ingress"));
            Assert.False(policies.AllowsIngress(service, dashboard, null, 8080), $"{name}'s port 8080 is open to the dashboard");
            Assert.False(policies.AllowsIngress(service, null, "default", 8080), $"{name}'s port 8080 is open to other namespaces");
            Assert.False(policies.AllowsIngress(service, null, "ingress-nginx", 8080), $"{name}'s port 8080 is open to other namespaces");
        }
        // The dashboard's readers: an ingress controller in its own namespace.
        Assert.True(policies.AllowsIngress(dashboard, null, "ingress-nginx", 8080));
        Assert.False(policies.AllowsIngress(dashboard, null, "ingress-nginx", 27017));
    }

    [Theory]
    [InlineData(RenderedManifests.Dev)]
    [InlineData(RenderedManifests.Prod)]
    public void The_stores_accept_their_clients_and_nothing_else(string kustomization)
    {
        var documents = RenderedManifests.Render(kustomization);
        var policies = new NetworkPolicies(documents);
        var rabbitmq = Labels("rabbitmq");
        var mongodb = Labels("mongodb");

        foreach (var name in Services)
            Assert.True(policies.AllowsIngress(rabbitmq, PodLabels(documents, name), null, 5672), $"RabbitMQ refuses {name}");
        Assert.True(policies.AllowsIngress(mongodb, PodLabels(documents, "loader"), null, 27017));
        Assert.True(policies.AllowsIngress(mongodb, PodLabels(documents, Dashboard), null, 27017));
        Assert.False(policies.AllowsIngress(rabbitmq, PodLabels(documents, Dashboard), null, 5672));
        Assert.False(policies.AllowsIngress(mongodb, PodLabels(documents, "extractor"), null, 27017));
        Assert.False(policies.AllowsIngress(rabbitmq, PodLabels(documents, "extractor"), null, 15672));
        // The CLI reads queue depths over AMQP: no management API access.
        var cli = documents.Trigger().PodTemplate().Labels("metadata", "labels");
        Assert.False(policies.AllowsIngress(rabbitmq, cli, null, 15672));
        Assert.False(policies.AllowsIngress(rabbitmq, null, "default", 5672));
    }

    [Fact]
    public void Prod_stores_reach_the_kubernetes_api_only_at_the_address_set_per_cluster()
    {
        var documents = RenderedManifests.Render(RenderedManifests.Prod);
        var policies = new NetworkPolicies(documents);
        var mongodb = Labels("mongodb");
        var rabbitmq = Labels("rabbitmq");

        var api = Assert.Single(policies.All, p => p.Name() == "mongodb-to-kubernetes-api");
        var cidr = api.List("spec", "egress").Single().List("to").Single().Text("ipBlock", "cidr")!;
        Assert.EndsWith("/32", cidr);
        Assert.True(policies.AllowsEgressToAddress(mongodb, cidr.Split('/')[0], 6443));
        foreach (var (address, port) in new[] { ("10.0.0.1", 443), ("10.0.0.1", 6443), ("203.0.113.10", 443) })
        {
            Assert.False(policies.AllowsEgressToAddress(mongodb, address, port), $"MongoDB reaches {address}:{port}");
            Assert.False(policies.AllowsEgressToAddress(rabbitmq, address, port), $"RabbitMQ reaches {address}:{port}");
        }
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void No_secret_holds_a_real_looking_value(string kustomization)
    {
        foreach (var secret in RenderedManifests.Render(kustomization).OfKind("Secret"))
        {
            Assert.Null(secret.At("data"));
            foreach (var (key, value) in secret.Labels("stringData"))
            {
                var credentialFree = Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.UserInfo == "" && uri.Host != "";
                Assert.True(value.Contains("CHANGE_ME") || credentialFree,
                    $"Secret {secret.Name()} key {key} is neither a CHANGE_ME placeholder nor free of credentials");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_reference_between_the_objects_resolves(string kustomization)
    {
        var problems = ManifestReferences.Problems(RenderedManifests.Render(kustomization));
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Prod_scales_every_consumer_on_its_queue_through_the_management_api()
    {
        var documents = RenderedManifests.Render(RenderedManifests.Prod);
        var queues = new Dictionary<string, string[]>
        {
            ["extractor"] = ["fetch-station-window"],
            ["transformer"] = ["compute-averages"],
            ["loader"] = ["archive-raw-readings", "store-averages"],
        };
        var authentications = documents.OfKind("TriggerAuthentication").ToDictionary(d => d.Name());
        var secrets = documents.OfKind("Secret").ToDictionary(d => d.Name());

        foreach (var deployment in documents.OfKind("Deployment").Where(d => d.Name() != Dashboard))
        {
            var scaledObject = Assert.Single(documents.OfKind("ScaledObject"), s => s.Text("spec", "scaleTargetRef", "name") == deployment.Name());
            Assert.True(int.Parse(scaledObject.Text("spec", "minReplicaCount")!) >= 1);
            Assert.True(int.Parse(scaledObject.Text("spec", "maxReplicaCount")!) > int.Parse(scaledObject.Text("spec", "minReplicaCount")!));
            var triggers = scaledObject.List("spec", "triggers");
            Assert.Equal(queues[deployment.Name()].Order(), triggers.Select(t => t.Text("metadata", "queueName")).Order());
            foreach (var trigger in triggers)
            {
                Assert.Equal("rabbitmq", trigger.Text("type"));
                Assert.Equal("http", trigger.Text("metadata", "protocol"));
                Assert.Equal("QueueLength", trigger.Text("metadata", "mode"));
                Assert.True(int.Parse(trigger.Text("metadata", "value")!) > 0);
                Assert.Null(trigger.At("metadata", "host")); // credentials only through the TriggerAuthentication
                var authentication = authentications[trigger.Text("authenticationRef", "name")!];
                var host = Assert.Single(authentication.List("spec", "secretTargetRef"), r => r.Text("parameter") == "host");
                Assert.StartsWith("http://", secrets[host.Text("name")!].Text("stringData", host.Text("key")!));
            }
        }
        Assert.Empty(documents.OfKind("HorizontalPodAutoscaler")); // KEDA owns the HPAs in prod
    }

    [Fact]
    public void Prod_runs_three_rabbitmq_nodes_with_quorum_queues_and_three_mongodb_members()
    {
        var documents = RenderedManifests.Render(RenderedManifests.Prod);

        var rabbitmq = Assert.Single(documents.OfKind("RabbitmqCluster"));
        Assert.Equal("rabbitmq.com/v1beta1", rabbitmq.Text("apiVersion"));
        Assert.Equal("3", rabbitmq.Text("spec", "replicas"));
        var mongodb = Assert.Single(documents.OfKind("MongoDBCommunity"));
        Assert.Equal("mongodbcommunity.mongodb.com/v1", mongodb.Text("apiVersion"));
        Assert.Equal("3", mongodb.Text("spec", "members"));
        Assert.Equal("ReplicaSet", mongodb.Text("spec", "type"));
        Assert.Equal("majority", mongodb.Text("spec", "additionalConnectionStringConfig", "w"));

        var config = Assert.Single(documents.OfKind("ConfigMap"), c => c.Name().StartsWith("harmattan-config-", StringComparison.Ordinal));
        Assert.Equal("true", config.Text("data", "Bus__QuorumQueues"));
        Assert.Equal("false", config.Text("data", "Schedule__Enabled"));
    }

    [Fact]
    public void Prod_store_clusters_each_lose_at_most_one_member_to_a_drain()
    {
        var documents = RenderedManifests.Render(RenderedManifests.Prod);
        var storePods = ManifestReferences.OperatorMadePods(documents).ToList();
        Assert.Equal(["MongoDBCommunity mongodb", "RabbitmqCluster rabbitmq"], storePods.Select(p => p.Owner).Order());
        var harmattanPods = documents.HarmattanWorkloads().Select(w => w.PodTemplate().Labels("metadata", "labels")).ToList();

        foreach (var (owner, labels) in storePods)
        {
            var budget = Assert.Single(documents.OfKind("PodDisruptionBudget"), b => NetworkPolicies.Selects(b.At("spec", "selector"), labels));
            Assert.Equal("1", budget.Text("spec", "maxUnavailable"));
            Assert.DoesNotContain(harmattanPods, pod => NetworkPolicies.Selects(budget.At("spec", "selector"), pod));
            Assert.DoesNotContain(storePods, other => other.Owner != owner && NetworkPolicies.Selects(budget.At("spec", "selector"), other.Labels));
        }
    }

    [Fact]
    public void Prod_services_take_their_credentials_from_the_operators()
    {
        var documents = RenderedManifests.Render(RenderedManifests.Prod);
        Assert.DoesNotContain(documents.OfKind("Secret"), s => s.Name() == "harmattan-secrets");

        foreach (var workload in documents.HarmattanWorkloads().Where(w => w.Name() != Dashboard))
        {
            var env = workload.Containers().Single().List("env").ToDictionary(e => e.Text("name")!);
            Assert.Equal("amqp://$(RABBITMQ_USERNAME):$(RABBITMQ_PASSWORD)@rabbitmq:5672/", env["ConnectionStrings__RabbitMq"].Text("value"));
            var names = env.Keys.ToList();
            // Kubernetes expands $(VAR) only from variables defined earlier in the list.
            Assert.True(names.IndexOf("RABBITMQ_PASSWORD") < names.IndexOf("ConnectionStrings__RabbitMq"));
            Assert.Equal("rabbitmq-default-user", env["RABBITMQ_PASSWORD"].Text("valueFrom", "secretKeyRef", "name"));
        }
        // The dashboard, unauthenticated, reads the store as a MongoDB user that can only read it; so do the CronJob's
        // Jobs, whose commands only read it.
        var users = documents.OfKind("MongoDBCommunity").Single().List("spec", "users").ToList();
        foreach (var (name, roles) in new (string, string[])[] { ("loader", ["readWrite"]), (Dashboard, ["read"]), ("harmattan-trigger", ["read"]) })
        {
            var container = documents.HarmattanWorkloads().Single(d => d.Name() == name).Containers().Single();
            var uri = Assert.Single(container.List("env"), e => e.Text("name") == "ConnectionStrings__MongoDb");
            var user = Assert.Single(users, u => u.Text("connectionStringSecretName") == uri.Text("valueFrom", "secretKeyRef", "name"));
            Assert.Equal(roles, user.List("roles").Select(r => r.Text("name")!));
            Assert.All(user.List("roles"), r => Assert.Equal("harmattan", r.Text("db")));
        }
        var dashboard = documents.OfKind("Deployment").Single(d => d.Name() == Dashboard).Containers().Single();
        Assert.DoesNotContain(dashboard.List("env"), e => e.Text("name")!.Contains("RABBITMQ", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Dev_autoscales_every_consumer_on_cpu_and_runs_its_own_stores()
    {
        var documents = RenderedManifests.Render(RenderedManifests.Dev);

        foreach (var deployment in documents.OfKind("Deployment").Where(d => d.Name() != Dashboard))
        {
            Assert.Null(deployment.At("spec", "replicas")); // the HPA owns the count
            var hpa = Assert.Single(documents.OfKind("HorizontalPodAutoscaler"), h => h.Text("spec", "scaleTargetRef", "name") == deployment.Name());
            Assert.Equal("cpu", hpa.List("spec", "metrics").Single().Text("resource", "name"));
        }
        Assert.Equal(["mongodb", "rabbitmq"], documents.OfKind("StatefulSet").Select(s => s.Name()).Order());
        Assert.Empty(documents.OfKind("ScaledObject"));
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void The_dashboard_runs_two_replicas_that_no_autoscaler_touches_and_a_drain_never_takes_both(string kustomization)
    {
        var documents = RenderedManifests.Render(kustomization);
        var dashboard = Assert.Single(documents.OfKind("Deployment"), d => d.Name() == Dashboard);

        Assert.Equal("2", dashboard.Text("spec", "replicas"));
        Assert.DoesNotContain(documents.OfKind("HorizontalPodAutoscaler").Concat(documents.OfKind("ScaledObject")),
            a => a.Text("spec", "scaleTargetRef", "name") == Dashboard);
        var budget = Assert.Single(documents.OfKind("PodDisruptionBudget"),
            b => NetworkPolicies.Selects(b.At("spec", "selector"), dashboard.PodTemplate().Labels("metadata", "labels")));
        Assert.Equal("1", budget.Text("spec", "minAvailable"));
        var config = Assert.Single(documents.OfKind("ConfigMap"), c => c.Name().StartsWith("harmattan-config-", StringComparison.Ordinal));
        Assert.Contains(dashboard.Containers().Single().List("envFrom"), e => e.Text("configMapRef", "name") == config.Name());
        Assert.Equal("MongoDb", config.Text("data", "Storage__Provider"));
    }

    [Fact]
    public void Prod_prometheus_scrapes_every_harmattan_pod_and_the_rabbitmq_queues_from_the_monitoring_namespace()
    {
        var documents = RenderedManifests.Render(RenderedManifests.Prod);
        var policies = new NetworkPolicies(documents);
        const string monitoring = "monitoring";

        var podMonitor = Assert.Single(documents.OfKind("PodMonitor"));
        var endpoint = Assert.Single(podMonitor.List("spec", "podMetricsEndpoints"));
        Assert.Equal("/metrics", endpoint.Text("path"));
        foreach (var deployment in documents.OfKind("Deployment"))
        {
            var pod = deployment.PodTemplate().Labels("metadata", "labels");
            Assert.True(NetworkPolicies.Selects(podMonitor.At("spec", "selector"), pod), $"{deployment.Name()} is not scraped");
            Assert.Contains(deployment.Containers().Single().List("ports"), p => p.Text("name") == endpoint.Text("port") && p.Text("containerPort") == "8080");
            Assert.True(policies.AllowsIngress(pod, null, monitoring, 8080), $"Prometheus cannot reach {deployment.Name()}");
        }

        // The labels the RabbitMQ cluster operator puts on the Service it names after the RabbitmqCluster.
        var rabbitmqService = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "rabbitmq", ["app.kubernetes.io/component"] = "rabbitmq" };
        var serviceMonitor = Assert.Single(documents.OfKind("ServiceMonitor"));
        Assert.True(NetworkPolicies.Selects(serviceMonitor.At("spec", "selector"), rabbitmqService));
        var rabbitmqEndpoint = Assert.Single(serviceMonitor.List("spec", "endpoints"));
        Assert.Equal("prometheus", rabbitmqEndpoint.Text("port"));
        Assert.Equal("/metrics/detailed", rabbitmqEndpoint.Text("path"));
        Assert.Equal(ObservabilityFilesTests.RabbitMqFamilies(), rabbitmqEndpoint.List("params", "family").Cast<string>());
        Assert.True(policies.AllowsIngress(Labels("rabbitmq"), null, monitoring, 15692));
        Assert.False(policies.AllowsIngress(Labels("rabbitmq"), null, "default", 15692));
        Assert.False(policies.AllowsIngress(Labels("rabbitmq"), null, monitoring, 15672));
    }

    /// <summary>
    /// The value a container sees for an environment variable: its own <c>env</c> first, else the last
    /// <c>envFrom</c> ConfigMap that holds the key, as Kubernetes resolves them; null when none sets it.
    /// </summary>
    private static string? Setting(IReadOnlyList<Document> documents, object? container, string name)
    {
        if (container.List("env").FirstOrDefault(e => e.Text("name") == name) is { } env)
            return env.Text("value");
        return container.List("envFrom")
            .Select(source => source.Text("configMapRef", "name"))
            .Select(configMap => documents.OfKind("ConfigMap").SingleOrDefault(c => c.Name() == configMap).Text("data", name))
            .LastOrDefault(value => value is not null);
    }

    private static TimeSpan? Duration(string? setting) =>
        setting is null ? null : TimeSpan.Parse(setting, CultureInfo.InvariantCulture);

    private static int Seconds(object? probe, string field, int kubernetesDefault) =>
        probe.Text(field) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : kubernetesDefault;

    private static Dictionary<string, string> Labels(string name, string key = "app.kubernetes.io/name") => new() { [key] = name };

    private static IReadOnlyDictionary<string, string> PodLabels(IReadOnlyList<Document> documents, string deployment) =>
        documents.OfKind("Deployment").Single(d => d.Name() == deployment).PodTemplate().Labels("metadata", "labels");
}
