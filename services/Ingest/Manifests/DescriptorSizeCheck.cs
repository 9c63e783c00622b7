using Marten;
using Platform.Registry.Events;
using Platform.Registry.Oci;
using Platform.Registry.ReadModels;

namespace Platform.Ingest.Manifests;

/// <summary>
/// A descriptor's <c>size</c> is what a client reads before it fetches the content, and what it verifies the
/// download against: a manifest that declares a size other than the stored blob's (or, in an index, the stored
/// manifest's) would pass the registry and fail every pull. Refused as MANIFEST_INVALID, the spec's code for a
/// manifest that does not hold together. Content the repository does not have is not this check's business: the
/// writer refuses it as MANIFEST_BLOB_UNKNOWN. The same digest always has the same bytes, so reading the
/// repository before the write decides the same as reading it inside.
/// </summary>
internal sealed class DescriptorSizeCheck(IDocumentStore store)
{
    public async Task<OciError?> CheckAsync(string repository, ParsedManifest manifest, CancellationToken ct)
    {
        if (manifest.BlobReferences.Count == 0 && manifest.ManifestReferences.Count == 0)
            return null;
        await using var query = store.QuerySession();
        var state = await query.LoadAsync<RepositoryState>(StreamKeys.Repository(repository), ct);
        return Check(manifest, state);
    }

    public static OciError? Check(ParsedManifest manifest, RepositoryState? state)
    {
        if (state is null)
            return null;
        foreach (var blob in manifest.BlobReferences)
            if (state.Blobs.TryGetValue(blob.Digest, out var stored) && stored != blob.Size)
                return Mismatch("blob", blob, stored);
        foreach (var child in manifest.ManifestReferences)
            if (state.Manifests.TryGetValue(child.Digest, out var summary) && summary.Size != child.Size)
                return Mismatch("manifest", child, summary.Size);
        return null;
    }

    private static OciError Mismatch(string kind, DescriptorRef descriptor, long stored) => new(
        OciErrorCode.ManifestInvalid,
        $"the descriptor of {descriptor.Digest} declares {descriptor.Size} bytes; the stored {kind} has {stored}",
        new { digest = descriptor.Digest, declared = descriptor.Size, stored });
}
