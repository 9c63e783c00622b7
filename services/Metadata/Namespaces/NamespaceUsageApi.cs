using Marten;
using Platform.Registry.Oci;
using Platform.Registry.ReadModels;

namespace Platform.Metadata.Namespaces;

/// <summary>
/// GET /api/v1/namespaces/{ns}/usage?digest=: what a namespace's repositories hold, for the gateway's quotas and
/// its namespace API (the gateway owns namespaces and does not proxy this route; it asks it itself). Usage is the
/// bytes of the distinct blobs linked into the namespace's repositories: a layer shared by two of them counts
/// once. With <c>digest</c>, it also says whether that blob is linked already (a push of it then adds nothing).
/// Read from the inline projections: a push is counted as soon as its answer is out.
/// </summary>
public static class NamespaceUsageApi
{
    public static IEndpointRouteBuilder MapNamespaceUsage(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/namespaces/{ns}/usage", async (string ns, string? digest, IQuerySession query, CancellationToken ct) =>
        {
            // A namespace is a repository name's first component, so it must be a valid name by itself.
            if (!RepositoryName.IsValid(ns) || ns.Contains('/'))
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "invalid namespace", detail: $"'{ns}' is not a namespace");
            var prefix = ns + "/";
            // The filter is repeated in memory with ordinal comparison: LIKE would read '_' in a name as a wildcard.
            var repositories = (await query.Query<RepositoryState>()
                    .Where(r => r.Name == ns || r.Name.StartsWith(prefix))
                    .ToListAsync(ct))
                .Where(r => r.Name == ns || r.Name.StartsWith(prefix, StringComparison.Ordinal))
                .ToList();
            var blobs = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var repository in repositories)
                foreach (var (blob, size) in repository.Blobs)
                    blobs[blob] = size;
            bool? linked = digest is null ? null : blobs.ContainsKey(digest);
            return Results.Json(new NamespaceUsage(ns, blobs.Values.Sum(), blobs.Count, repositories.Count(r => r.HasContent), linked));
        });
        return app;
    }
}

/// <param name="Linked">Whether the blob asked about is linked into the namespace (null when none was asked).</param>
public sealed record NamespaceUsage(string Namespace, long Bytes, int Blobs, int Repositories, bool? Linked);
