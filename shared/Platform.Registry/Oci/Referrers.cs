using System.Text.Json;

namespace Platform.Registry.Oci;

/// <summary>A manifest that refers to a subject, as listed by the referrers API.</summary>
public sealed record ReferrerDescriptor(
    string MediaType,
    string Digest,
    long Size,
    string? ArtifactType,
    IReadOnlyDictionary<string, string>? Annotations);

public static class ReferrersIndex
{
    public const string MediaType = ManifestMediaTypes.OciIndex;

    /// <summary>
    /// The referrers response: an image index of descriptors (distribution-spec "Listing Referrers"), filtered on
    /// <c>artifactType</c> when asked; <c>FilterApplied</c> tells the caller to send <c>OCI-Filters-Applied</c>.
    /// </summary>
    public static (byte[] Json, bool FilterApplied) Build(IEnumerable<ReferrerDescriptor> descriptors, string? artifactTypeFilter)
    {
        var selected = artifactTypeFilter is null
            ? descriptors
            : descriptors.Where(d => d.ArtifactType == artifactTypeFilter);

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("schemaVersion", 2);
            json.WriteString("mediaType", MediaType);
            json.WriteStartArray("manifests");
            foreach (var d in selected)
            {
                json.WriteStartObject();
                json.WriteString("mediaType", d.MediaType);
                json.WriteString("digest", d.Digest);
                json.WriteNumber("size", d.Size);
                if (d.ArtifactType is not null)
                    json.WriteString("artifactType", d.ArtifactType);
                if (d.Annotations is { Count: > 0 })
                {
                    json.WriteStartObject("annotations");
                    foreach (var (key, value) in d.Annotations)
                        json.WriteString(key, value);
                    json.WriteEndObject();
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return (buffer.ToArray(), artifactTypeFilter is not null);
    }
}
