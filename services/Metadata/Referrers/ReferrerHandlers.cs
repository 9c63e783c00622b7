using Marten;
using Platform.Registry.Oci;
using Platform.Registry.ReadModels;

namespace Platform.Metadata.Referrers;

/// <summary>
/// GET /v2/&lt;name&gt;/referrers/&lt;digest&gt;: the manifests whose subject is that digest, as an image index.
/// Never 404 (the spec forbids it for a registry that supports the API): an unknown digest has no referrers.
/// </summary>
internal sealed class ReferrerHandlers(IQuerySession query)
{
    public async Task<IResult> ListAsync(string name, string reference, HttpContext http, CancellationToken ct)
    {
        if (!Digest.TryParse(reference, out var digest, out _))
            return OciResults.Error(OciErrorCode.DigestInvalid, "digest is invalid", new { digest = reference });
        var subject = digest.ToString();

        var referrers = await query.Query<ManifestRecord>()
            .Where(m => m.Repository == name && m.SubjectDigest == subject)
            .ToListAsync(ct);

        var descriptors = referrers
            .OrderBy(m => m.Digest, StringComparer.Ordinal)
            .Select(m => new ReferrerDescriptor(m.MediaType, m.Digest, m.Content.LongLength, m.ArtifactType, m.Annotations))
            .ToList();

        var artifactType = http.Request.Query["artifactType"].ToString();
        var response = ReferrersIndex.Build(descriptors, artifactType.Length > 0 ? artifactType : null);
        if (response.FilterApplied)
            http.Response.Headers["OCI-Filters-Applied"] = "artifactType";
        return Results.Bytes(response.Json, ReferrersIndex.MediaType);
    }
}
