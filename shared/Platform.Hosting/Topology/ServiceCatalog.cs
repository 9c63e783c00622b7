using System.Reflection;

namespace Platform.Hosting.Topology;

/// <summary>One of the platform's services as services/services.tsv lists it.</summary>
/// <param name="Name">Lower-case name: logs, PID files, the gateway's cluster id.</param>
/// <param name="Project">The folder under services/ and the configuration key under "Services" (Services:Ingest).</param>
/// <param name="PortVariable">The variable `make up` reads its port from.</param>
/// <param name="DefaultPort">The port `make up` gives it unless that variable says otherwise.</param>
/// <param name="Http2Only">True when it speaks h2c (the backends); false for HTTP/1.1 (the gateway).</param>
/// <param name="Routed">True when the gateway routes requests to it and waits for its readiness.</param>
public sealed record PlatformService(string Name, string Project, string PortVariable, int DefaultPort, bool Http2Only, bool Routed);

/// <summary>
/// The list of the platform's services, read from services/services.tsv (embedded at build time), the one file that
/// names them for the scripts, the gateway and the tests alike.
/// </summary>
public static class ServiceCatalog
{
    private const string ResourceName = "Platform.Hosting.services.tsv";

    public static IReadOnlyList<PlatformService> All { get; } = Load();

    /// <summary>The services behind the gateway: its clusters, and the readiness its own /readyz waits for.</summary>
    public static IEnumerable<PlatformService> Routed => All.Where(s => s.Routed);

    public static PlatformService Get(string name) =>
        All.FirstOrDefault(s => s.Name == name) ?? throw new ArgumentException($"no service named {name} in services.tsv", nameof(name));

    private static List<PlatformService> Load()
    {
        using var stream = typeof(ServiceCatalog).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{ResourceName} is not embedded in {typeof(ServiceCatalog).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }

    internal static List<PlatformService> Parse(string text)
    {
        var services = new List<PlatformService>();
        foreach (var (line, number) in text.Split('\n').Select((l, i) => (l.Trim(), i + 1)))
        {
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var f = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (f.Length != 6 || !int.TryParse(f[3], out var port) || f[4] is not ("h2c" or "http1") || f[5] is not ("yes" or "no"))
                throw new FormatException($"services.tsv line {number}: expected 'name project PORT_VARIABLE port h2c|http1 yes|no', got '{line}'");
            services.Add(new PlatformService(f[0], f[1], f[2], port, f[4] == "h2c", f[5] == "yes"));
        }
        return services;
    }
}
