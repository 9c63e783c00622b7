namespace Platform.Engine;

/// <summary>Configuration section <c>Engine</c>.</summary>
internal sealed class EngineOptions
{
    /// <summary>Directory for Wasmtime's serialized compiled modules; none: in-memory cache only.</summary>
    public string? ModuleCacheDirectory { get; set; }

    /// <summary>Per-message instruction limits (the IC's production values unless configured lower).</summary>
    public long UpdateInstructionLimit { get; set; } = 40_000_000_000;
    public long QueryInstructionLimit { get; set; } = 5_000_000_000;
    public long InstallInstructionLimit { get; set; } = 300_000_000_000;

    /// <summary>Where the persistent instance <c>platform</c> keeps its state; none: no persistent instance.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>Application subnets of the persistent instance when it is first created.</summary>
    public int PersistentSubnets { get; set; } = 3;

    /// <summary>The persistent instance's log is folded into a new snapshot beyond this size (and twice the last snapshot).</summary>
    public long LogCompactionBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>PocketIC's <c>--port-file</c>: where the bound port is written once the server listens.</summary>
    public string? PortFile { get; set; }

    /// <summary>PocketIC's <c>--ttl</c>: seconds without requests after which the server exits (0: never).</summary>
    public int TtlSeconds { get; set; }

    /// <summary>HTTPS outcalls (<c>Engine:Outcalls</c>): the hosts canisters may reach and the request timeout.</summary>
    public Outcalls.OutcallOptions Outcalls { get; set; } = new();

    /// <summary>How often a load sample per subnet is taken (and published when a broker is configured); 0: never.</summary>
    public TimeSpan LoadSampleInterval { get; set; } = TimeSpan.FromSeconds(5);
}
