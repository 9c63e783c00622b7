namespace Platform.Gateway.Routing;

/// <summary>Where the services behind the gateway listen (configuration section "Services").</summary>
public sealed class BackendOptions
{
    public const string Section = "Services";

    public string Ingest { get; set; } = "";
    /// <summary>
    /// Optional: Ingest's HTTP/1.1 listener for upload sessions (see <see cref="BackendRouting"/>). Without it,
    /// uploads go to <see cref="Ingest"/> over h2c like everything else.
    /// </summary>
    public string IngestUploads { get; set; } = "";
    public string Metadata { get; set; } = "";
    public string Pinning { get; set; } = "";
    public string Audit { get; set; } = "";
    public string Scaler { get; set; } = "";

    public IReadOnlyDictionary<string, string> All => new Dictionary<string, string>
    {
        ["ingest"] = Ingest,
        ["metadata"] = Metadata,
        ["pinning"] = Pinning,
        ["audit"] = Audit,
        ["scaler"] = Scaler,
    };
}
