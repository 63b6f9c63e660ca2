using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Harmattan.Hosting;

/// <summary>
/// The distinct quantity names of one row shape, in row order. Rows of the same shape share one instance, so a
/// consumer can resolve per-quantity state once per shape instead of hashing every name of every row.
/// </summary>
/// <remarks>
/// Two instances with the same names in the same order are equal.
/// </remarks>
public sealed class QuantityKeys : IEquatable<QuantityKeys>
{
    private readonly string[] _names;
    private readonly int _hashCode;

    /// <exception cref="ArgumentException">A name is null or appears twice.</exception>
    public QuantityKeys(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        _names = names.ToArray();
        var seen = new HashSet<string>(_names.Length, StringComparer.Ordinal);
        var hash = new HashCode();
        foreach (var name in _names)
        {
            if (name is null)
                throw new ArgumentException("A quantity name is null.", nameof(names));
            if (!seen.Add(name))
                throw new ArgumentException($"The quantity name \"{name}\" appears twice.", nameof(names));
            hash.Add(name, StringComparer.Ordinal);
        }
        _hashCode = hash.ToHashCode();
        Names = Array.AsReadOnly(_names);
    }

    public int Count => _names.Length;

    public string this[int index] => _names[index];

    public IReadOnlyList<string> Names { get; }

    /// <summary>The position of <paramref name="name"/>, or -1. A linear scan: rows have about ten quantities.</summary>
    public int IndexOf(string name)
    {
        for (var i = 0; i < _names.Length; i++)
            if (string.Equals(_names[i], name, StringComparison.Ordinal))
                return i;
        return -1;
    }

    public bool Equals(QuantityKeys? other) =>
        ReferenceEquals(this, other) || (other is not null && other._hashCode == _hashCode && other._names.AsSpan().SequenceEqual(_names));

    public override bool Equals(object? obj) => Equals(obj as QuantityKeys);

    public override int GetHashCode() => _hashCode;
}

/// <summary>
/// A read-only quantity name -> value map over a shared <see cref="QuantityKeys"/>: one array of values per row
/// instead of a hash table per row. Enumerates in key order.
/// </summary>
public sealed class QuantityMap<TValue> : IReadOnlyDictionary<string, TValue>
{
    private readonly TValue[] _values;

    /// <param name="keys">The names, shared by every map of the same shape.</param>
    /// <param name="values">One value per key, taken over (not copied): the caller must not change it afterwards.</param>
    public QuantityMap(QuantityKeys keys, TValue[] values)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != keys.Count)
            throw new ArgumentException($"{values.Length} values for {keys.Count} keys.", nameof(values));
        Keys = keys;
        _values = values;
    }

    /// <summary>A map of <paramref name="source"/>'s entries, in its enumeration order.</summary>
    public static QuantityMap<TValue> From(IReadOnlyDictionary<string, TValue> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source is QuantityMap<TValue> map)
            return map;
        var names = new string[source.Count];
        var values = new TValue[source.Count];
        var i = 0;
        foreach (var (name, value) in source)
            (names[i], values[i++]) = (name, value);
        return new QuantityMap<TValue>(new QuantityKeys(names), values);
    }

    public QuantityKeys Keys { get; }

    public int Count => _values.Length;

    public ReadOnlySpan<TValue> ValueSpan => _values;

    public TValue this[string key] =>
        TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"No quantity \"{key}\" in this row.");

    public bool ContainsKey(string key) => Keys.IndexOf(key) >= 0;

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out TValue value)
    {
        var index = Keys.IndexOf(key);
        if (index < 0)
        {
            value = default;
            return false;
        }
        value = _values[index];
        return true;
    }

    IEnumerable<string> IReadOnlyDictionary<string, TValue>.Keys => Keys.Names;

    IEnumerable<TValue> IReadOnlyDictionary<string, TValue>.Values => _values;

    public IEnumerator<KeyValuePair<string, TValue>> GetEnumerator()
    {
        for (var i = 0; i < _values.Length; i++)
            yield return new KeyValuePair<string, TValue>(Keys[i], _values[i]);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
