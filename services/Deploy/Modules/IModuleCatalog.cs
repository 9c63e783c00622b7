namespace Platform.Deploy.Modules;

/// <summary>One version of a canister module as the canister-modules API resolves it.</summary>
/// <param name="Name">The module's repository name, e.g. <c>shop/ledger</c>.</param>
/// <param name="Digest">The version's manifest digest.</param>
/// <param name="ModuleHash">"sha256:&lt;hex&gt;" of the uncompressed wasm, as recorded at push.</param>
/// <param name="Candid">The module's <c>candid:service</c> text, or null when it has none.</param>
/// <param name="Corrupted">The stored bytes no longer hash to <paramref name="ModuleHash"/>: never deploy it.</param>
public sealed record ModuleVersion(string Name, string Selector, string Digest, string ModuleHash, string? Candid, bool Corrupted);

/// <summary>Where module versions come from: Metadata's canister-modules API in production.</summary>
public interface IModuleCatalog
{
    /// <summary>The version a selector names (at a past time when <paramref name="at"/> is set); null when it names none.</summary>
    Task<ModuleVersion?> ResolveAsync(string name, string selector, DateTimeOffset? at, CancellationToken cancellationToken);

    /// <summary>The module's bytes as stored (the caller checks them against the recorded hash).</summary>
    Task<byte[]> WasmAsync(string name, string digest, CancellationToken cancellationToken);
}

/// <summary>The selector is ambiguous (a commit prefix matching several versions).</summary>
public sealed class AmbiguousSelectorException(string message) : Exception(message);

/// <summary>The canister-modules API refused the module name or the selector as malformed (its 400).</summary>
public sealed class InvalidSelectorException(string message) : Exception(message);
