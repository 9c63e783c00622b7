using Platform.Hosting.Topology;

namespace Platform.Gateway.Routing;

/// <summary>
/// Where the services behind the gateway listen: configuration section "Services", one address per routed service
/// of <see cref="ServiceCatalog"/> under its project name (Services:Ingest, Services:Metadata, ...).
/// </summary>
internal sealed class BackendOptions
{
    public const string Section = "Services";

    public Dictionary<string, string> Addresses { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Optional: Ingest's HTTP/1.1 listener for upload sessions (see <see cref="BackendRouting"/>). Without it,
    /// uploads go to Ingest over h2c like everything else.
    /// </summary>
    public string IngestUploads => Addresses.GetValueOrDefault("IngestUploads", "");

    public string Metadata => AddressOf(ServiceCatalog.Get("metadata"));

    /// <summary>The routed services' addresses by catalog name (the cluster ids); a missing one stops the gateway at start.</summary>
    public IReadOnlyDictionary<string, string> Routed => ServiceCatalog.Routed.ToDictionary(s => s.Name, AddressOf);

    private string AddressOf(PlatformService service) =>
        Addresses.TryGetValue(service.Project, out var address) && address.Length > 0
            ? address
            : throw new InvalidOperationException(
                $"{Section}:{service.Project} is not set (env {Section}__{service.Project}): the gateway routes to {service.Name}. `make up` sets it.");

    public static void Bind(BackendOptions options, IConfiguration configuration) =>
        configuration.GetSection(Section).Bind(options.Addresses);
}
