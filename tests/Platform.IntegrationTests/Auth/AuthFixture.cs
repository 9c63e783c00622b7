using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Auth;

/// <summary>
/// Like <see cref="RegistryFixture"/>, but with auth on: the gateway issues tokens and checks them, keeps
/// accounts in the database, signs the actor it forwards, and Ingest and Metadata trust only that signature.
/// </summary>
public sealed class AuthFixture : IAsyncLifetime
{
    public const string AdminPassword = "admin-secret-for-tests";
    public const string InternalKey = "internal-key-for-tests-0123456789";
    private WebApplicationFactory<Platform.Ingest.IngestService>? _ingest;
    private WebApplicationFactory<Platform.Metadata.MetadataService>? _metadata;
    private WebApplicationFactory<Platform.Audit.AuditService>? _audit;
    private WebApplicationFactory<Platform.Gateway.GatewayService>? _gateway;
    private readonly List<IAsyncDisposable> _extra = [];

    public string Database { get; private set; } = "";
    public string StorageRoot { get; } = Path.Combine(Path.GetTempPath(), $"platform-store-{Guid.NewGuid():N}");
    public string KeyDirectory { get; } = Path.Combine(Path.GetTempPath(), $"platform-keys-{Guid.NewGuid():N}");
    public int IngestPort { get; } = ThrowawayPostgres.FreePort();
    public int MetadataPort { get; } = ThrowawayPostgres.FreePort();
    public int GatewayPort { get; } = ThrowawayPostgres.FreePort();
    public int AuditPort { get; } = ThrowawayPostgres.FreePort();
    public Uri GatewayUrl => new($"http://127.0.0.1:{GatewayPort}");
    public string RegistryHost => $"127.0.0.1:{GatewayPort}";
    public HttpClient Anonymous { get; private set; } = null!;
    public IServiceProvider GatewayServices => _gateway!.Services;
    public IServiceProvider IngestServices => _ingest!.Services;

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync("auth");
        Directory.CreateDirectory(StorageRoot);
        _ingest = Backend<Platform.Ingest.IngestService>(IngestPort);
        _metadata = Backend<Platform.Metadata.MetadataService>(MetadataPort);
        // The only audit consumer on the shared test broker (the event-driven stacks have brokers of their own).
        _audit = Backend<Platform.Audit.AuditService>(AuditPort);
        _gateway = Gateway(b => b.UseSetting("urls", $"http://127.0.0.1:{GatewayPort}"));
        _gateway.UseKestrel();
        _gateway.StartServer();
        Anonymous = new HttpClient { BaseAddress = GatewayUrl, Timeout = TimeSpan.FromMinutes(5) };
        await Task.CompletedTask;
    }

    /// <summary>A gateway on the same database, keys and backends (extra settings on top), served in memory.</summary>
    public WebApplicationFactory<Platform.Gateway.GatewayService> Gateway(Action<IWebHostBuilder>? configure = null)
    {
        var factory = new WebApplicationFactory<Platform.Gateway.GatewayService>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Auth:Enabled", "true");
            b.UseSetting("Auth:AdminPassword", AdminPassword);
            b.UseSetting("Auth:KeyDirectory", KeyDirectory);
            b.UseSetting("Auth:InternalKey", InternalKey);
            b.UseSetting("ConnectionStrings:Postgres", Database);
            b.UseSetting("ConnectionStrings:RabbitMq", TestServers.RabbitMq);
            GatewayBackends.Point(b, new Dictionary<string, string>
            {
                ["ingest"] = $"http://127.0.0.1:{IngestPort}",
                ["metadata"] = $"http://127.0.0.1:{MetadataPort}",
                ["audit"] = $"http://127.0.0.1:{AuditPort}",
            });
            configure?.Invoke(b);
        });
        if (_gateway is not null)
            _extra.Add(factory);
        return factory;
    }

    /// <summary>Something a test world started on this fixture (a service, an engine): disposed with it.</summary>
    public void Own(IAsyncDisposable owned) => _extra.Add(owned);

    private WebApplicationFactory<T> Backend<T>(int port) where T : class =>
        InProcessService.Start<T>(port, b =>
        {
            b.UseSetting("ConnectionStrings:Postgres", Database);
            b.UseSetting("ConnectionStrings:RabbitMq", TestServers.RabbitMq);
            b.UseSetting("Storage:Root", StorageRoot);
            b.UseSetting("Auth:InternalKey", InternalKey);
        });

    // ---- helpers

    public static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    /// <summary>A client that calls the identity API as admin (HTTP Basic).</summary>
    public HttpClient Admin()
    {
        var http = new HttpClient { BaseAddress = GatewayUrl };
        http.DefaultRequestHeaders.Authorization = Basic("admin", AdminPassword);
        return http;
    }

    public async Task CreateUserAsync(string name, string password)
    {
        using var admin = Admin();
        await IdentityApi.CreateUserAsync(admin, name, password);
    }

    public async Task CreateNamespaceAsync(string name, bool isPublic = false)
    {
        using var admin = Admin();
        await IdentityApi.CreateNamespaceAsync(admin, name, isPublic);
    }

    public async Task AddMemberAsync(string ns, string account, string role)
    {
        using var admin = Admin();
        await IdentityApi.AddMemberAsync(admin, ns, account, role);
    }

    /// <summary>GET /token with Basic credentials (null: anonymous) and the scopes; the parsed answer.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> RequestTokenAsync(string? user, string? password, params string[] scopes)
    {
        var query = string.Join('&', scopes.Select(s => "scope=" + Uri.EscapeDataString(s)).Prepend("service=platform-registry"));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/token?{query}");
        if (user is not null)
            request.Headers.Authorization = Basic(user, password!);
        using var response = await Anonymous.SendAsync(request);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (response.StatusCode, body);
    }

    public async Task<string> TokenAsync(string? user, string? password, params string[] scopes)
    {
        var (status, body) = await RequestTokenAsync(user, password, scopes);
        Assert.Equal(HttpStatusCode.OK, status);
        return body.GetProperty("token").GetString()!;
    }

    /// <summary>A client sending the bearer token.</summary>
    public HttpClient WithToken(string token)
    {
        var http = new HttpClient { BaseAddress = GatewayUrl, Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    public async Task DisposeAsync()
    {
        Anonymous?.Dispose();
        foreach (var f in _extra.Concat(new IAsyncDisposable?[] { _gateway, _ingest, _metadata, _audit }.OfType<IAsyncDisposable>()))
            try { await f.DisposeAsync(); } catch (Exception) { }
        try { Directory.Delete(StorageRoot, recursive: true); } catch (IOException) { }
        try { Directory.Delete(KeyDirectory, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class AuthCollection : ICollectionFixture<AuthFixture>
{
    public const string Name = "auth";
}
