namespace Platform.Gateway.Routing;

/// <summary>Where the services behind the gateway listen (configuration section "Services").</summary>
public sealed class BackendOptions
{
    public const string Section = "Services";

    public string Ingest { get; set; } = "";
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
