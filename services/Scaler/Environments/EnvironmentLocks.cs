using Platform.Hosting.Concurrency;

namespace Platform.Scaler.Environments;

/// <summary>
/// One writer per environment document at a time in this process: Deploy's reports and the decision loop both
/// rewrite it, and neither may lose the other's change.
/// </summary>
internal sealed class EnvironmentLocks() : KeyedLock<string>(StringComparer.Ordinal);
