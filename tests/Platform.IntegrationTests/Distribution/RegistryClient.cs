using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Platform.IntegrationTests.Distribution;

/// <summary>
/// The raw HTTP steps of the distribution API, spelled out so each test reads as the requests a client sends.
/// Nothing here hides a status: helpers that "push" assert the spec's success answer.
/// </summary>
public sealed class RegistryClient(HttpClient http)
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar+gzip";

    public HttpClient Http => http;

    public static string DigestOf(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static byte[] RandomBytes(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static string UniqueRepo(string prefix) => $"{prefix}/r{Guid.NewGuid():N}";

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content = null,
        Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        configure?.Invoke(request);
        return http.SendAsync(request);
    }

    /// <summary>Monolithic upload in one POST with ?digest=.</summary>
    public async Task<string> PushBlobAsync(string repo, byte[] bytes)
    {
        var digest = DigestOf(bytes);
        using var response = await http.PostAsync($"/v2/{repo}/blobs/uploads/?digest={digest}", Octets(bytes));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return digest;
    }

    public async Task<Uri> StartUploadAsync(string repo)
    {
        using var response = await http.PostAsync($"/v2/{repo}/blobs/uploads/", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return Absolute(response.Headers.Location!);
    }

    public async Task<HttpResponseMessage> PatchAsync(Uri location, byte[] chunk, long start, bool withRange = true)
    {
        var content = Octets(chunk);
        if (withRange)
            content.Headers.TryAddWithoutValidation("Content-Range", $"{start}-{start + chunk.Length - 1}");
        return await http.PatchAsync(location, content);
    }

    public Task<HttpResponseMessage> CompleteAsync(Uri location, string digest, byte[]? lastChunk = null) =>
        http.PutAsync(WithQuery(location, $"digest={Uri.EscapeDataString(digest)}"), lastChunk is null ? null : Octets(lastChunk));

    public async Task<(string Digest, byte[] Body)> PushImageAsync(string repo, string? tag, int seed, int layers = 2,
        JsonObject? subject = null, string? artifactType = null, string mediaType = OciManifest,
        string configMediaType = OciConfig, IDictionary<string, string>? annotations = null)
    {
        var config = Encoding.UTF8.GetBytes($$"""{"architecture":"amd64","os":"linux","seed":{{seed}}}""");
        var configDigest = await PushBlobAsync(repo, config);
        var layerArray = new JsonArray();
        for (var i = 0; i < layers; i++)
        {
            var layer = RandomBytes(1000 + i, seed * 100 + i);
            var digest = await PushBlobAsync(repo, layer);
            layerArray.Add(Descriptor(mediaType == DockerManifest ? "application/vnd.docker.image.rootfs.diff.tar.gzip" : OciLayer, digest, layer.Length));
        }
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = mediaType,
            ["config"] = Descriptor(mediaType == DockerManifest ? "application/vnd.docker.container.image.v1+json" : configMediaType, configDigest, config.Length),
            ["layers"] = layerArray,
        };
        if (artifactType is not null)
            manifest["artifactType"] = artifactType;
        if (subject is not null)
            manifest["subject"] = subject;
        if (annotations is not null)
            manifest["annotations"] = new JsonObject(annotations.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value)));
        var body = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        var reference = tag ?? DigestOf(body);
        using var response = await PutManifestAsync(repo, reference, body, mediaType);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (DigestOf(body), body);
    }

    public Task<HttpResponseMessage> PutManifestAsync(string repo, string reference, byte[] body, string mediaType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return http.PutAsync($"/v2/{repo}/manifests/{reference}", content);
    }

    public static JsonObject Descriptor(string mediaType, string digest, long size) =>
        new() { ["mediaType"] = mediaType, ["digest"] = digest, ["size"] = size };

    public static ByteArrayContent Octets(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }

    public Uri Absolute(Uri location) => location.IsAbsoluteUri ? location : new Uri(http.BaseAddress!, location);

    public static Uri WithQuery(Uri location, string query) =>
        new(location + (location.ToString().Contains('?') ? "&" : "?") + query, location.IsAbsoluteUri ? UriKind.Absolute : UriKind.Relative);

    /// <summary>Asserts the spec's error body and returns it.</summary>
    public static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {text}");
        using var doc = JsonDocument.Parse(text);
        var errors = doc.RootElement.GetProperty("errors");
        Assert.Contains(errors.EnumerateArray(), e => e.GetProperty("code").GetString() == code && e.TryGetProperty("message", out _));
    }
}
