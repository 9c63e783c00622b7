using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Platform.IntegrationTests.Infrastructure;

/// <summary>
/// Gateway, Ingest and Metadata running in this process on real Kestrel ports (the gateway proxies over real
/// h2c connections, and upload sessions over HTTP/1.1 to Ingest's upload listener, as `make up` runs them), on a
/// fresh database and a fresh content store, against the test RabbitMQ. Tests talk to <see cref="Gateway"/>
/// exactly as a registry client would. (The auth and event-driven fixtures leave the upload listener out, so
/// uploads over h2c stay covered too.)
/// </summary>
public sealed class RegistryFixture : IAsyncLifetime
{
    private WebApplicationFactory<Platform.Ingest.IngestService>? _ingest;
    private WebApplicationFactory<Platform.Metadata.MetadataService>? _metadata;
    private WebApplicationFactory<Platform.Gateway.GatewayService>? _gateway;

    public string Database { get; private set; } = "";
    public string StorageRoot { get; } = Path.Combine(Path.GetTempPath(), $"platform-store-{Guid.NewGuid():N}");
    public int IngestPort { get; } = ThrowawayPostgres.FreePort();
    public int IngestUploadPort { get; } = ThrowawayPostgres.FreePort();
    public int MetadataPort { get; } = ThrowawayPostgres.FreePort();
    public int GatewayPort { get; } = ThrowawayPostgres.FreePort();

    /// <summary>Base address of the gateway, e.g. http://127.0.0.1:40123</summary>
    public Uri GatewayUrl => new($"http://127.0.0.1:{GatewayPort}");

    /// <summary>"127.0.0.1:port", the registry host for skopeo/podman.</summary>
    public string RegistryHost => $"127.0.0.1:{GatewayPort}";

    public HttpClient Gateway { get; private set; } = null!;

    /// <summary>Ingest's services (its Marten store, to read the events a request wrote).</summary>
    public IServiceProvider IngestServices => _ingest!.Services;

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync("registry");
        Directory.CreateDirectory(StorageRoot);
        StartIngest();
        _metadata = Backend<Platform.Metadata.MetadataService>(MetadataPort);
        _gateway = InProcessService.Start<Platform.Gateway.GatewayService>(GatewayPort, b =>
        {
            // These tests are about the registry, not about auth (that is Auth/AuthFixture): everything anonymous.
            b.UseSetting("Auth:Enabled", "false");
            GatewayBackends.Point(b, new Dictionary<string, string>
            {
                ["ingest"] = $"http://127.0.0.1:{IngestPort}",
                ["metadata"] = $"http://127.0.0.1:{MetadataPort}",
            });
            b.UseSetting("Services:IngestUploads", $"http://127.0.0.1:{IngestUploadPort}");
            // The gateway reads the content store too: plain blob GETs take the accelerated path.
            b.UseSetting("Storage:Root", StorageRoot);
        });
        Gateway = new HttpClient { BaseAddress = GatewayUrl, Timeout = TimeSpan.FromMinutes(5) };
        await Task.CompletedTask;
    }

    /// <summary>Stops Ingest (as a crash would, between requests) and starts a new one on the same store and database.</summary>
    public async Task RestartIngestAsync()
    {
        if (_ingest is not null)
            await _ingest.DisposeAsync();
        StartIngest();
    }

    // Two listeners, as scripts/up.sh configures them: h2c (protocol from appsettings.json) and HTTP/1.1 for uploads.
    private void StartIngest() => _ingest = Backend<Platform.Ingest.IngestService>(IngestPort, b =>
    {
        b.UseSetting("Kestrel:Endpoints:Http:Url", $"http://127.0.0.1:{IngestPort}");
        b.UseSetting("Kestrel:Endpoints:Uploads:Url", $"http://127.0.0.1:{IngestUploadPort}");
        b.UseSetting("Kestrel:Endpoints:Uploads:Protocols", "Http1");
    });

    private WebApplicationFactory<T> Backend<T>(int port, Action<IWebHostBuilder>? configure = null) where T : class =>
        InProcessService.Start<T>(port, b =>
        {
            b.UseSetting("ConnectionStrings:Postgres", Database);
            b.UseSetting("ConnectionStrings:RabbitMq", TestServers.RabbitMq);
            b.UseSetting("Storage:Root", StorageRoot);
            configure?.Invoke(b);
        });

    public async Task DisposeAsync()
    {
        Gateway?.Dispose();
        foreach (var f in new IAsyncDisposable?[] { _gateway, _ingest, _metadata })
            if (f is not null)
                await f.DisposeAsync();
        try { Directory.Delete(StorageRoot, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class RegistryCollection : ICollectionFixture<RegistryFixture>
{
    public const string Name = "registry";
}
