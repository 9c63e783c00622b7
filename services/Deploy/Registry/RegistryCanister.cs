using System.Security.Cryptography;
using Platform.Deploy.Modules;

namespace Platform.Deploy.Registry;

/// <summary>
/// The environment's own service-discovery canister (Registry.mo, built by dev/canisters/build.js and embedded in
/// Deploy): its name is reserved in the file, and every environment runs it as the service <see cref="ServiceName"/>,
/// installed first so its id can fill <c>{{canisterId:registry}}</c>.
/// </summary>
internal static class RegistryCanister
{
    public const string ServiceName = "registry";

    /// <summary>The module's name in plans and discovery; it is not a repository of the canister-modules API.</summary>
    public const string ModuleName = "platform/registry";

    /// <summary>The module Deploy carries: the one selector it answers to.</summary>
    public const string Selector = "built-in";

    private static readonly Lazy<ModuleVersion> Built = new(() =>
    {
        var hash = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Wasm));
        // No manifest stands behind it: the module hash doubles as its digest.
        return new ModuleVersion(ModuleName, Selector, hash, hash, Candid, false);
    });

    private static readonly Lazy<byte[]> WasmBytes = new(() => Resource("registry.wasm"));

    public static byte[] Wasm => WasmBytes.Value;

    public static string Candid { get; } = System.Text.Encoding.UTF8.GetString(Resource("registry.did"));

    public static ModuleVersion Version => Built.Value;

    private static byte[] Resource(string name)
    {
        using var stream = typeof(RegistryCanister).Assembly.GetManifestResourceStream("Platform.Deploy.Registry." + name)
            ?? throw new InvalidOperationException($"the registry canister's {name} is not embedded in Deploy");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>The catalog with the registry's module in it, so planning and releases treat it like any module.</summary>
    public static IModuleCatalog With(IModuleCatalog catalog) => new Catalog(catalog);

    private sealed class Catalog(IModuleCatalog inner) : IModuleCatalog
    {
        public Task<ModuleVersion?> ResolveAsync(string name, string selector, DateTimeOffset? at, CancellationToken cancellationToken) =>
            name != ModuleName ? inner.ResolveAsync(name, selector, at, cancellationToken)
                : Task.FromResult(selector == Selector || selector == Version.Digest ? Version : null);

        public Task<byte[]> WasmAsync(string name, string digest, CancellationToken cancellationToken) =>
            name != ModuleName ? inner.WasmAsync(name, digest, cancellationToken)
                : digest == Version.Digest ? Task.FromResult(Wasm)
                : throw new Releases.ReleaseFault($"Deploy no longer carries the registry module {digest} (it carries {Version.Digest})");
    }
}
