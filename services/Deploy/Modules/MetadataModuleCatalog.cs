using System.Net;
using System.Text.Json;

namespace Platform.Deploy.Modules;

/// <summary>
/// The canister-modules API of Metadata: <c>GET /api/v1/canisters/{name}/resolve?selector=&amp;at=</c> and
/// <c>GET /api/v1/canisters/{name}/versions/{digest}/wasm</c> (Ingest's, <see cref="BytesClient"/>). Field names are
/// read case-insensitively.
/// </summary>
internal sealed class MetadataModuleCatalog(HttpClient http, IHttpClientFactory clients) : IModuleCatalog
{
    public const string BytesClient = "module-bytes";

    public async Task<ModuleVersion?> ResolveAsync(string name, string selector, DateTimeOffset? at, CancellationToken cancellationToken)
    {
        var query = $"api/v1/canisters/{name}/resolve?selector={Uri.EscapeDataString(selector)}";
        if (at is { } t) query += "&at=" + Uri.EscapeDataString(t.ToString("O"));
        using var response = await http.GetAsync(query, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        if (response.StatusCode == HttpStatusCode.Conflict)
            throw new AmbiguousSelectorException($"{name}@{selector} is ambiguous: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
        // {"name","selector","at","version":{"digest","moduleHash","hasCandid","corrupted",...}}
        var root = Find(doc.RootElement, "version") is { ValueKind: JsonValueKind.Object } version ? version : doc.RootElement;
        var digest = String(root, "digest") ?? throw new InvalidOperationException("the resolve answer has no digest");
        var candid = String(root, "candid");
        if (candid is null && (Bool(root, "hasCandid") ?? Bool(root, "candidPresent")) != false)
        {
            using var c = await http.GetAsync($"api/v1/canisters/{name}/versions/{digest}/candid", cancellationToken);
            if (c.IsSuccessStatusCode) candid = await c.Content.ReadAsStringAsync(cancellationToken);
        }
        return new ModuleVersion(name, selector, digest, String(root, "moduleHash") ?? "", candid, Bool(root, "corrupted") ?? false);
    }

    public async Task<byte[]> WasmAsync(string name, string digest, CancellationToken cancellationToken)
    {
        using var response = await clients.CreateClient(BytesClient).GetAsync($"api/v1/canisters/{name}/versions/{digest}/wasm", cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsByteArrayAsync(cancellationToken);
    }

    private static JsonElement? Find(JsonElement e, string name)
    {
        if (e.ValueKind != JsonValueKind.Object) return null;
        foreach (var p in e.EnumerateObject())
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)) return p.Value;
        return null;
    }

    private static string? String(JsonElement e, string name) => Find(e, name) is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;

    private static bool? Bool(JsonElement e, string name) => Find(e, name) is { ValueKind: JsonValueKind.True or JsonValueKind.False } v ? v.GetBoolean() : null;
}
