namespace Platform.Deploy;

/// <summary>Configuration section <c>Engine</c>: where releases are carried out.</summary>
public sealed class EngineOptions
{
    public const string Section = "Engine";

    /// <summary>The platform's engine by default; a real PocketIC server works as well.</summary>
    public string Url { get; set; } = "http://127.0.0.1:5200";

    /// <summary>The instance to use when the server lists one by this name; otherwise one is created (and remembered).</summary>
    public string Instance { get; set; } = "platform";

    /// <summary>
    /// An instance to use by id (the platform's engine keeps its persistent instance <c>platform</c> as instance 0, and
    /// lists instances by state only): set, it wins over the name.
    /// </summary>
    public int? InstanceId { get; set; }

    /// <summary>Application subnets of an instance Deploy creates itself.</summary>
    public int Subnets { get; set; } = 3;

    /// <summary>The principal (text) Deploy acts as on the engine: the controller of every canister it creates.
    /// Unset: a fixed self-authenticating principal derived from "platform-deploy".</summary>
    public string? Controller { get; set; }
}

/// <summary>Configuration section <c>Deploy</c>.</summary>
public sealed class DeployOptions
{
    public const string Section = "Deploy";

    /// <summary>The canister-modules API (Metadata).</summary>
    public string ModulesUrl { get; set; } = "http://127.0.0.1:5102";

    /// <summary>Where a module's bytes are (<c>/api/v1/canisters/{name}/versions/{digest}/wasm</c>): Ingest, whose content store holds them.</summary>
    public string ModuleBytesUrl { get; set; } = "http://127.0.0.1:5101";

    /// <summary>How often reconciliation compares the engine with the last successful releases (0: never).</summary>
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The largest environment file accepted.</summary>
    public int MaxFileBytes { get; set; } = 256 * 1024;
}
