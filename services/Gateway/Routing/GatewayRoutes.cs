using Yarp.ReverseProxy.Configuration;

namespace Platform.Gateway.Routing;

/// <summary>The public API's shape: which service answers which path.</summary>
public static class GatewayRoutes
{
    public static IReadOnlyList<RouteConfig> All { get; } =
    [
        // OCI Distribution: uploads, blob bytes and manifest writes to Ingest; manifest reads, tags, referrers,
        // catalog (and unknown /v2 paths) to Metadata. GET /v2/ itself is answered by the gateway.
        new() { RouteId = "oci-ingest", ClusterId = "ingest", Match = new() { Path = "/v2/{**path:oci(ingest)}" } },
        new() { RouteId = "oci-metadata", ClusterId = "metadata", Match = new() { Path = "/v2/{**path:oci(metadata)}" } },

        // Platform API (JSON, problem+json errors). Repositories are Metadata's read models; the audit log is
        // the Audit service's (events, verify, export). The bare list path gets its own route so neither
        // depends on how an empty catch-all matches.
        new() { RouteId = "api-repositories", ClusterId = "metadata", Match = new() { Path = "/api/v1/repositories" } },
        new() { RouteId = "api-repository", ClusterId = "metadata", Match = new() { Path = "/api/v1/repositories/{**rest}" } },
        // Canister modules: Metadata's read models, except a module's bytes, which are in Ingest's content store.
        new() { RouteId = "api-canisters", ClusterId = "metadata", Match = new() { Path = "/api/v1/canisters" } },
        new() { RouteId = "api-canister-wasm", ClusterId = "ingest", Order = -1, Match = new() { Path = "/api/v1/canisters/{**rest:" + CanisterWasmConstraint.Name + "}" } },
        new() { RouteId = "api-canister", ClusterId = "metadata", Match = new() { Path = "/api/v1/canisters/{**rest}" } },
        new() { RouteId = "api-audit", ClusterId = "audit", Match = new() { Path = "/api/v1/audit/{**rest}" } },
        // Garbage collection runs in Ingest, the writer of the registry's streams; the guard admits admins only.
        // A run answers when it is done, which on a big store is minutes: no response timeout, only the idle one.
        new() { RouteId = "api-admin-gc", ClusterId = "ingest", Match = new() { Path = "/api/v1/admin/gc", Methods = ["POST"] },
            Metadata = new Dictionary<string, string> { [BackendResponseTimeout.MetadataKey] = BackendResponseTimeout.NoTimeout } },
        // A namespace's retention rules are Ingest's: it owns the repository streams they delete from. The rest of
        // /api/v1/namespaces is the gateway's own identity API.
        new() { RouteId = "api-retention", ClusterId = "ingest", Match = new() { Path = "/api/v1/namespaces/{ns}/retention" } },
        // A namespace's webhooks are the Audit service's: it receives every push, delete and pull in commit order.
        new() { RouteId = "api-webhooks", ClusterId = "audit", Match = new() { Path = "/api/v1/namespaces/{ns}/webhooks" } },
        new() { RouteId = "api-webhook", ClusterId = "audit", Match = new() { Path = "/api/v1/namespaces/{ns}/webhooks/{**rest}" } },
        // Environments and their releases are Deploy's; the guard decides by the environment's namespace (EnvironmentAccess).
        new() { RouteId = "api-environments", ClusterId = "deploy", Match = new() { Path = "/api/v1/environments/{**rest}" } },
        // The Scaler's decisions and state (reads only); the guard admits admins and the named namespace's members.
        new() { RouteId = "api-scaler", ClusterId = "scaler", Match = new() { Path = "/api/v1/scaler/{**rest}", Methods = ["GET", "HEAD"] } },
    ];

    /// <summary>Upload-session requests to Ingest's HTTP/1.1 upload lane, ahead of the other OCI routes.</summary>
    public static RouteConfig Uploads { get; } = new()
    {
        RouteId = "oci-uploads", ClusterId = BackendRouting.UploadLane, Order = -1,
        Match = new() { Path = "/v2/{**path:oci(upload)}" },
    };
}
