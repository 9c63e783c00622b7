namespace Platform.Ipfs;

/// <summary>Where the Kubo RPC API is and how long to wait for it. Bound from the "Ipfs" configuration section.</summary>
public sealed class KuboOptions
{
    public const string SectionName = "Ipfs";

    /// <summary>Base URL of the Kubo RPC API (not the gateway), e.g. http://127.0.0.1:5001.</summary>
    public string ApiUrl { get; set; } = "http://127.0.0.1:5001";

    /// <summary>
    /// Sent as <c>timeout=</c> on every read of a CID (cat, block/stat, pin/ls, pin/rm). A node that lacks a CID
    /// looks for it on the network, and js-ipfs even hangs forever offline: the server-side timeout turns that into
    /// a quick "not found" instead of a request stuck until <see cref="RequestTimeout"/>.
    /// </summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Sent as <c>timeout=</c> on pin/add. Pinning walks the whole DAG (and fetches what is missing), so a blob of
    /// gigabytes needs much longer than a read; it still must not hang forever on a CID nobody has.
    /// </summary>
    public TimeSpan PinTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>HttpClient timeout for a whole request. Adds stream gigabytes, hence the generous default.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long the readiness check waits for /api/v0/id.</summary>
    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(3);
}
