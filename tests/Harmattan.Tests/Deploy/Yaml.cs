using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Harmattan.Tests.Deploy;

/// <summary>
/// YAML documents as plain maps, lists and strings (YamlDotNet's untyped model), with path lookups
/// that return null when a step is missing, so assertions read like the manifests.
/// </summary>
internal static class Yaml
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder().Build();

    /// <summary>All documents of a multi-document stream; anchors and merge keys (&lt;&lt;) are resolved.</summary>
    public static IReadOnlyList<Dictionary<object, object?>> ParseAll(string text)
    {
        var parser = new MergingParser(new Parser(new StringReader(text)));
        parser.Consume<YamlDotNet.Core.Events.StreamStart>();
        var documents = new List<Dictionary<object, object?>>();
        while (parser.Accept<YamlDotNet.Core.Events.DocumentStart>(out _))
        {
            if (Deserializer.Deserialize<object?>(parser) is Dictionary<object, object?> document)
                documents.Add(document);
        }
        return documents;
    }

    public static object? At(this object? node, params string[] path)
    {
        foreach (var step in path)
        {
            if (node is not Dictionary<object, object?> map || !map.TryGetValue(step, out node))
                return null;
        }
        return node;
    }

    public static string? Text(this object? node, params string[] path) => node.At(path) as string;

    public static IReadOnlyList<object?> List(this object? node, params string[] path) =>
        node.At(path) as List<object?> ?? [];

    public static IReadOnlyDictionary<string, string> Labels(this object? node, params string[] path) =>
        (node.At(path) as Dictionary<object, object?> ?? [])
        .ToDictionary(pair => (string)pair.Key, pair => pair.Value as string ?? "");

    public static string Kind(this Dictionary<object, object?> document) => document.Text("kind") ?? "";

    public static string Name(this Dictionary<object, object?> document) => document.Text("metadata", "name") ?? "";
}
