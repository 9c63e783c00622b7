using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Platform.Deploy.Modules;

/// <summary>
/// The canister-modules API: <c>GET /api/v1/canisters/{name}/resolve?selector=&amp;at=</c> (answers
/// <c>{"name","selector","at","version":{...}}</c>) and <c>.../versions/{digest}/candid</c> from Metadata, the bytes
/// from <c>.../versions/{digest}/wasm</c> on Ingest (<see cref="DeployOptions.ModuleBytesUrl"/>). Field names are
/// read case-insensitively.
/// </summary>
internal sealed class MetadataModuleCatalog(HttpClient http, IOptions<DeployOptions> options) : IModuleCatalog
{
    private readonly Uri _bytes = new(options.Value.ModuleBytesUrl!.TrimEnd('/') + "/");

    public async Task<ModuleVersion?> ResolveAsync(string name, string selector, DateTimeOffset? at, CancellationToken cancellationToken)
    {
        var query = $"api/v1/canisters/{name}/resolve?selector={Uri.EscapeDataString(selector)}";
        if (at is { } t) query += "&at=" + Uri.EscapeDataString(t.ToString("O"));
        using var response = await http.GetAsync(query, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        if (response.StatusCode == HttpStatusCode.Conflict)
            throw new AmbiguousSelectorException($"{name}@{selector} is ambiguous: {await ProblemDetailAsync(response, cancellationToken)}");
        if (response.StatusCode == HttpStatusCode.BadRequest)
            throw new InvalidSelectorException($"{name}@{selector} is refused by the canister-modules API: {await ProblemDetailAsync(response, cancellationToken)}");
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
        var version = Find(doc.RootElement, "version") is { ValueKind: JsonValueKind.Object } v ? v : doc.RootElement;
        var digest = String(version, "digest") ?? throw new InvalidOperationException("the resolve answer has no digest");
        var candid = String(version, "candid");
        if (candid is null && Bool(version, "hasCandid") != false)
        {
            using var c = await http.GetAsync($"api/v1/canisters/{name}/versions/{digest}/candid", cancellationToken);
            if (c.IsSuccessStatusCode) candid = await c.Content.ReadAsStringAsync(cancellationToken);
            else if (c.StatusCode != HttpStatusCode.NotFound) c.EnsureSuccessStatusCode();
        }
        return new ModuleVersion(name, selector, digest, String(version, "moduleHash") ?? "", candid, Bool(version, "corrupted") ?? false);
    }

    public async Task<byte[]> WasmAsync(string name, string digest, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri(_bytes, $"api/v1/canisters/{name}/versions/{digest}/wasm"), cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"GET .../versions/{digest}/wasm answered {(int)response.StatusCode}: {await ProblemDetailAsync(response, cancellationToken)}",
                null, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync(cancellationToken);
    }

    /// <summary>The problem's detail (or title), else the body as it came.</summary>
    private static async Task<string> ProblemDetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            using var doc = JsonDocument.Parse(body);
            return String(doc.RootElement, "detail") ?? String(doc.RootElement, "title") ?? body;
        }
        catch (JsonException)
        {
            return body;
        }
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
