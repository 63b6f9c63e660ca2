using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Harmattan.Testing;

/// <summary>
/// Every log entry of every category at every level, kept to assert what an operator reads (<see cref="Entries"/>) and
/// what is never logged, properties and exceptions included (<see cref="Text"/>).
/// </summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<Entry> _entries = new();

    public sealed record Entry(LogLevel Level, string Category, string Message, string Properties, Exception? Exception);

    /// <summary>Level and formatted message of each entry, in order.</summary>
    public IReadOnlyList<(LogLevel Level, string Message)> Entries => [.. _entries.Select(e => (e.Level, e.Message))];

    /// <summary>Every entry rendered with its category, properties and exception, one per line.</summary>
    public string Text => string.Join('\n', _entries.Select(e => $"{e.Level} {e.Category}: {e.Message} [{e.Properties}] {e.Exception}"));

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<Entry> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            var properties = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}"))
                : "";
            entries.Enqueue(new Entry(logLevel, category, formatter(state, exception), properties, exception));
        }
    }
}
