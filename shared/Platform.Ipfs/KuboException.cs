using System.Net;

namespace Platform.Ipfs;

/// <summary>
/// The node answered with an error. Kubo reports every command failure as HTTP 500 (400 for bad arguments) with
/// <c>{"Message": "...", "Code": 0, "Type": "error"}</c>; <see cref="Exception.Message"/> is that Message.
/// Connection failures are not wrapped: they stay <see cref="HttpRequestException"/> so callers can retry them.
/// </summary>
public sealed class KuboException : Exception
{
    public KuboException(string endpoint, HttpStatusCode statusCode, string message, int? code = null)
        : base(message)
    {
        Endpoint = endpoint;
        StatusCode = statusCode;
        KuboCode = code;
    }

    /// <summary>The RPC command, e.g. "cat" or "pin/add".</summary>
    public string Endpoint { get; }

    public HttpStatusCode StatusCode { get; }

    /// <summary>Kubo's own error code (0 normal, 1 client error, 2 implementation error...), when sent.</summary>
    public int? KuboCode { get; }

    /// <summary>
    /// The node gave up looking for the content: our <c>timeout=</c> expired ("request timed out" on js-ipfs,
    /// "context deadline exceeded" on Kubo) or, offline, the block is not in the local store.
    /// </summary>
    public bool IsNotFound => KuboErrors.IsNotFound(Message);

    /// <summary>pin/ls or pin/rm of a CID that is not pinned ("... is not pinned", "not pinned or pinned indirectly").</summary>
    public bool IsNotPinned => Message.Contains("not pinned", StringComparison.OrdinalIgnoreCase);
}

internal static class KuboErrors
{
    private static readonly string[] NotFoundMarkers =
    [
        "timed out",          // js-ipfs: "request timed out"
        "timeout",
        "deadline exceeded",  // Kubo: "context deadline exceeded"
        "not found",          // Kubo offline: "block was not found locally (offline)"
        "could not find",     // "ipld: could not find <cid>"
    ];

    public static bool IsNotFound(string message) =>
        NotFoundMarkers.Any(m => message.Contains(m, StringComparison.OrdinalIgnoreCase));
}
