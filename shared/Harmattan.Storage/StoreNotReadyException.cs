namespace Harmattan.Storage;

/// <summary>
/// The store answers but cannot be used safely yet (e.g. a unique index the no-regression rule needs is missing), and
/// the message says what to fix. The service stays up and not ready, and its readiness check tries again.
/// </summary>
public sealed class StoreNotReadyException(string message, Exception? innerException = null)
    : Exception(message, innerException);
