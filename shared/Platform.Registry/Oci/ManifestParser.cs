using System.Text.Json;

namespace Platform.Registry.Oci;

public static class ManifestLimits
{
    /// <summary>The spec lets a registry refuse large manifests; 4 MiB is what distribution and zot use.</summary>
    public const int MaxBytes = 4 * 1024 * 1024;
}

public static class ManifestMediaTypes
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";

    public static bool IsIndex(string mediaType) => mediaType is OciIndex or DockerManifestList;

    public static bool IsKnown(string mediaType) =>
        mediaType is OciManifest or OciIndex or DockerManifest or DockerManifestList;
}

/// <summary>A descriptor as far as the registry cares: what it points at and how big it is.</summary>
public sealed record DescriptorRef(string MediaType, string Digest, long Size, string? ArtifactType = null);

/// <summary>What the registry needs from a manifest: its type, the blobs and manifests it pins, its subject.</summary>
public sealed record ParsedManifest(
    string MediaType,
    IReadOnlyList<DescriptorRef> BlobReferences,
    IReadOnlyList<DescriptorRef> ManifestReferences,
    DescriptorRef? Subject,
    string? ArtifactType,
    IReadOnlyDictionary<string, string>? Annotations);

/// <summary>
/// Validates a pushed manifest against the image-spec (and Docker schema 2) closely enough that nothing the
/// registry stores can later fail to be served: JSON object, schemaVersion 2, a known media type that agrees
/// with Content-Type, well-formed descriptors. Unknown fields are kept as pushed (the bytes are stored verbatim).
/// </summary>
public static class ManifestParser
{
    private const string EmptyMediaType = "application/vnd.oci.empty.v1+json";

    public static bool TryParse(byte[] body, string? contentType, out ParsedManifest manifest, out OciError? error)
    {
        manifest = null!;
        error = null;
        // JsonDocument does not check UTF-8 inside strings; reading such a string later throws.
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            error = Invalid("the manifest is not valid JSON: it is not UTF-8");
            return false;
        }
        JsonDocument doc;
        try
        {
            // No duplicate keys: parsers disagree on which one counts (first or last), so the registry and a
            // client could read different types, subjects or blobs from the same bytes; annotation keys MUST be unique.
            doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            error = Invalid($"the manifest is not valid JSON: {e.Message}");
            return false;
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return Fail(out error, "the manifest must be a JSON object");
            if (!root.TryGetProperty("schemaVersion", out var version) || version.ValueKind != JsonValueKind.Number
                || !version.TryGetInt32(out var v) || v != 2)
                return Fail(out error, "schemaVersion must be 2");

            var declared = OptionalString(root, "mediaType", out var badMediaType);
            if (badMediaType)
                return Fail(out error, "mediaType must be a string");
            var header = NormalizeContentType(contentType);

            // The Content-Type names the manifest's type (image-spec: clients set it to the manifest's mediaType), and
            // the body's own mediaType, when it has one, must agree. A manifest sent as text/plain, as JSON or with no
            // type at all is refused rather than guessed at: distribution refuses it too, and a guess can store a
            // document under a type its author did not mean.
            if (header is null)
                return Fail(out error, "Content-Type is required: the manifest's media type");
            if (!ManifestMediaTypes.IsKnown(header))
                return Fail(out error, $"Content-Type {header} is not a manifest media type");
            if (declared is not null && header != declared)
                return Fail(out error, $"Content-Type {header} does not match the manifest's mediaType {declared}");
            var mediaType = header;

            if (!ManifestMediaTypes.IsKnown(mediaType))
                return Fail(out error, $"unsupported manifest media type {mediaType}");

            if (!TryReadAnnotations(root, out var annotations))
                return Fail(out error, "annotations must be an object of strings");
            var artifactType = OptionalString(root, "artifactType", out var badArtifactType);
            if (badArtifactType)
                return Fail(out error, "artifactType must be a string");
            if (artifactType is "")
                artifactType = null; // distribution-spec: "empty or missing" are one case for the referrers API

            DescriptorRef? subject = null;
            if (root.TryGetProperty("subject", out var subjectElement) && subjectElement.ValueKind != JsonValueKind.Null)
            {
                if (!TryReadDescriptor(subjectElement, "subject", out subject, out var why))
                    return Fail(out error, why);
            }

            var blobs = new List<DescriptorRef>();
            var manifests = new List<DescriptorRef>();
            if (ManifestMediaTypes.IsIndex(mediaType))
            {
                if (!root.TryGetProperty("manifests", out var list) || list.ValueKind != JsonValueKind.Array)
                    return Fail(out error, "an index needs a manifests array");
                // A document with both shapes reads differently by Content-Type (CVE-2021-41190).
                if (root.TryGetProperty("config", out _) || root.TryGetProperty("layers", out _))
                    return Fail(out error, "an index has no config or layers");
                var i = 0;
                foreach (var item in list.EnumerateArray())
                {
                    if (!TryReadDescriptor(item, $"manifests[{i++}]", out var d, out var why))
                        return Fail(out error, why);
                    manifests.Add(d!);
                }
            }
            else
            {
                if (root.TryGetProperty("manifests", out _))
                    return Fail(out error, "an image manifest has no manifests array");
                if (!root.TryGetProperty("config", out var config))
                    return Fail(out error, "an image manifest needs a config descriptor");
                if (!TryReadDescriptor(config, "config", out var configRef, out var why))
                    return Fail(out error, why);
                blobs.Add(configRef!);
                // "layers": null is how Go's encoding/json writes an empty slice; a client that means "no layers" gets
                // the same answer as with [].
                if (root.TryGetProperty("layers", out var layers) && layers.ValueKind == JsonValueKind.Null)
                {
                }
                else if (layers.ValueKind != JsonValueKind.Undefined)
                {
                    if (layers.ValueKind != JsonValueKind.Array)
                        return Fail(out error, "layers must be an array");
                    var i = 0;
                    foreach (var item in layers.EnumerateArray())
                    {
                        if (!TryReadDescriptor(item, $"layers[{i++}]", out var d, out why))
                            return Fail(out error, why);
                        blobs.Add(d!);
                    }
                }
                else // image-spec schema: layers is required (it may be empty: "SHOULD have at least one entry")
                    return Fail(out error, mediaType == ManifestMediaTypes.DockerManifest
                        ? "a schema 2 manifest needs a layers array"
                        : "an image manifest needs a layers array");

                // image-spec: artifactType "MUST be set when config.mediaType is set to the empty value".
                if (artifactType is null && configRef!.MediaType == EmptyMediaType)
                    return Fail(out error, $"artifactType is required when config.mediaType is {EmptyMediaType}");

                // image-spec: an artifact's type is artifactType, else the config's media type.
                artifactType ??= configRef!.MediaType;
            }

            manifest = new ParsedManifest(mediaType, blobs, manifests, subject, artifactType, annotations);
            return true;
        }
    }

    private static string? NormalizeContentType(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
            return null;
        var semicolon = contentType.IndexOf(';');
        return (semicolon >= 0 ? contentType[..semicolon] : contentType).Trim().ToLowerInvariant();
    }

    private static bool TryReadDescriptor(JsonElement element, string where, out DescriptorRef? descriptor, out string why)
    {
        descriptor = null;
        if (element.ValueKind != JsonValueKind.Object)
        {
            why = $"{where} must be a descriptor object";
            return false;
        }
        var mediaType = OptionalString(element, "mediaType", out var bad);
        if (bad || string.IsNullOrEmpty(mediaType))
        {
            why = $"{where}.mediaType is required";
            return false;
        }
        var digestText = OptionalString(element, "digest", out bad);
        if (bad || !Digest.TryParse(digestText, out var digest, out var digestError))
        {
            why = $"{where}.digest is invalid" + (digestText is null ? "" : $": {digestText}");
            return false;
        }
        _ = digestError;
        if (!element.TryGetProperty("size", out var sizeElement) || sizeElement.ValueKind != JsonValueKind.Number
            || !sizeElement.TryGetInt64(out var size) || size < 0)
        {
            why = $"{where}.size must be a non-negative integer";
            return false;
        }
        var artifactType = OptionalString(element, "artifactType", out bad);
        if (bad)
        {
            why = $"{where}.artifactType must be a string";
            return false;
        }
        descriptor = new DescriptorRef(mediaType, digest.ToString(), size, artifactType);
        why = "";
        return true;
    }

    private static string? OptionalString(JsonElement element, string property, out bool wrongType)
    {
        wrongType = false;
        if (!element.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.String)
        {
            wrongType = true;
            return null;
        }
        return value.GetString();
    }

    private static bool TryReadAnnotations(JsonElement root, out IReadOnlyDictionary<string, string>? annotations)
    {
        annotations = null;
        if (!root.TryGetProperty("annotations", out var element) || element.ValueKind == JsonValueKind.Null)
            return true;
        if (element.ValueKind != JsonValueKind.Object)
            return false;
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in element.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
                return false;
            map[p.Name] = p.Value.GetString()!;
        }
        annotations = map;
        return true;
    }

    private static OciError Invalid(string message) => new(OciErrorCode.ManifestInvalid, message);

    private static bool Fail(out OciError? error, string message)
    {
        error = Invalid(message);
        return false;
    }
}
