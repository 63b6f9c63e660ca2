namespace Harmattan.Tests.Deploy;

using Document = Dictionary<object, object?>;

/// <summary>
/// Enough of the NetworkPolicy semantics to check the flows the manifests mean to allow: pod selectors in the
/// same namespace (matchLabels, matchExpressions In), namespace selectors by name, ipBlocks and ports.
/// </summary>
internal sealed class NetworkPolicies(IReadOnlyList<Document> documents)
{
    private readonly List<Document> _policies = documents.Where(d => d.Kind() == "NetworkPolicy").ToList();

    public IReadOnlyList<Document> All => _policies;

    /// <summary>Egress to a pod of this namespace, or of <paramref name="toNamespace"/> when given.</summary>
    public bool AllowsEgress(IReadOnlyDictionary<string, string> from, IReadOnlyDictionary<string, string> toPod, int port,
        string? toNamespace = null) =>
        Rules(from, "Egress", "egress").Any(rule => PeerMatches(rule, "to", toPod, toNamespace, null) && PortMatches(rule, port));

    public bool AllowsEgressToAddress(IReadOnlyDictionary<string, string> from, string address, int port) =>
        Rules(from, "Egress", "egress").Any(rule => PeerMatches(rule, "to", null, null, address) && PortMatches(rule, port));

    public bool AllowsIngress(IReadOnlyDictionary<string, string> to, IReadOnlyDictionary<string, string>? fromPod,
        string? fromNamespace, int port) =>
        Rules(to, "Ingress", "ingress").Any(rule => PeerMatches(rule, "from", fromPod, fromNamespace, null) && PortMatches(rule, port));

    public bool IsIsolated(IReadOnlyDictionary<string, string> pod, string policyType) =>
        _policies.Any(p => Selects(p.At("spec", "podSelector"), pod) && p.List("spec", "policyTypes").Contains(policyType));

    private IEnumerable<object?> Rules(IReadOnlyDictionary<string, string> pod, string policyType, string field) =>
        _policies.Where(p => Selects(p.At("spec", "podSelector"), pod) && p.List("spec", "policyTypes").Contains(policyType))
            .SelectMany(p => p.List("spec", field));

    public static bool Selects(object? selector, IReadOnlyDictionary<string, string> labels)
    {
        if (selector is null)
            return false;
        foreach (var (key, value) in selector.Labels("matchLabels"))
            if (!labels.TryGetValue(key, out var actual) || actual != value)
                return false;
        foreach (var expression in selector.List("matchExpressions"))
        {
            var key = expression.Text("key")!;
            var values = expression.List("values").Cast<string>().ToList();
            var matches = expression.Text("operator") switch
            {
                "In" => labels.TryGetValue(key, out var v) && values.Contains(v),
                "NotIn" => !labels.TryGetValue(key, out var v) || !values.Contains(v),
                "Exists" => labels.ContainsKey(key),
                "DoesNotExist" => !labels.ContainsKey(key),
                var other => throw new NotSupportedException($"matchExpressions operator {other}"),
            };
            if (!matches)
                return false;
        }
        return true;
    }

    private static bool PeerMatches(object? rule, string field, IReadOnlyDictionary<string, string>? pod, string? ns, string? address)
    {
        var peers = rule.At(field) as List<object?>;
        if (peers is null)
            return true; // no `to`/`from`: every peer
        return peers.Any(peer =>
        {
            var podSelector = peer.At("podSelector");
            var namespaceSelector = peer.At("namespaceSelector");
            var ipBlock = peer.At("ipBlock");
            if (ipBlock is not null)
                return address is not null && InBlock(address, ipBlock);
            if (namespaceSelector is null)
                return pod is not null && ns is null && Selects(podSelector, pod);
            var namespaceMatches = ns is not null
                && Selects(namespaceSelector, new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = ns });
            return namespaceMatches && (podSelector is null || pod is not null && Selects(podSelector, pod));
        });
    }

    private static bool PortMatches(object? rule, int port)
    {
        var ports = rule.At("ports") as List<object?>;
        if (ports is null)
            return true;
        return ports.Any(p =>
        {
            var first = int.Parse(p.Text("port")!);
            var last = p.Text("endPort") is { } end ? int.Parse(end) : first;
            return port >= first && port <= last;
        });
    }

    private static bool InBlock(string address, object ipBlock) =>
        InCidr(address, ipBlock.Text("cidr")!) && !ipBlock.List("except").Cast<string>().Any(cidr => InCidr(address, cidr));

    private static bool InCidr(string address, string cidr)
    {
        var network = System.Net.IPNetwork.Parse(cidr);
        return network.Contains(System.Net.IPAddress.Parse(address));
    }
}
