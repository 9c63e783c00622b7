using Marten.Events.Projections;
using Platform.Registry.Events;

namespace Platform.Registry.ReadModels;

/// <summary>A manifest in a repository with its exact bytes: what manifest GETs and the referrers API read.</summary>
public sealed class ManifestRecord
{
    public string Id { get; set; } = "";
    public string Repository { get; set; } = "";
    public string Digest { get; set; } = "";
    public string MediaType { get; set; } = "";
    public byte[] Content { get; set; } = [];
    public string? SubjectDigest { get; set; }
    public string? ArtifactType { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
    public List<string> Blobs { get; set; } = [];
    public List<string> Manifests { get; set; } = [];
    public DateTimeOffset PushedAt { get; set; }
}

/// <summary>Fans a repository stream out into one document per manifest, deleted with the manifest.</summary>
public sealed class ManifestRecordProjection : MultiStreamProjection<ManifestRecord, string>
{
    public ManifestRecordProjection()
    {
        Identity<ManifestPushed>(e => StreamKeys.Manifest(e.Repository, e.Digest));
        Identity<ManifestDeleted>(e => StreamKeys.Manifest(e.Repository, e.Digest));
        DeleteEvent<ManifestDeleted>();
    }

    public static ManifestRecord Create(JasperFx.Events.IEvent<ManifestPushed> e) => Apply(e, new ManifestRecord());

    // Pushing the same bytes again (a retry) changes nothing but the time.
    public static ManifestRecord Apply(JasperFx.Events.IEvent<ManifestPushed> e, ManifestRecord m)
    {
        var p = e.Data;
        m.Repository = p.Repository;
        m.Digest = p.Digest;
        m.MediaType = p.MediaType;
        m.Content = p.Content;
        m.SubjectDigest = p.SubjectDigest;
        m.ArtifactType = p.ArtifactType;
        m.Annotations = p.Annotations is null ? null : new Dictionary<string, string>(p.Annotations);
        m.Blobs = [.. p.Blobs];
        m.Manifests = [.. p.Manifests];
        m.PushedAt = e.Timestamp;
        return m;
    }
}
