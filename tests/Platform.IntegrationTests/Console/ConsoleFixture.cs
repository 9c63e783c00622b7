using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Platform.Candid;
using Platform.Engine.Client;
using Platform.IntegrationTests.Canisters;
using Platform.IntegrationTests.Deploy;
using Platform.IntegrationTests.Distribution;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Console;

/// <summary>
/// The whole platform with auth on (<see cref="PlatformStack"/>: Pinning and the IPFS node included, so blobs get real
/// CIDs), seeded through the real clients, and Debian's chromium driven by Playwright. Content: a private namespace
/// "team" holding a multi-arch image (team/app:multi, two platforms sharing a layer) with a signature referring to the
/// index, a namespace "other" that the reader account may not see, and the audit log those pushes wrote. For the
/// canister and environment pages, in namespace "shop" (the reader and the approvers Alice and Bob are its members): a
/// canister module (shop/counter, three versions on two branches) pushed as OCI
/// artifacts; the engine, onto which Deploy released environment "dev" (a frontend calling a counter on another
/// subnet, kept busy by calls for the live load) and planned the protected "staging" (two approvers, awaiting them).
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    public const string Reader = "reader1";
    public const string ReaderPassword = "reader-password-1";
    public const string Repository = "team/app";
    public const string HiddenRepository = "other/secret";
    public const string SignatureType = "application/vnd.example.signature";
    private const string Chromium = "/usr/bin/chromium";
    public const string Alice = "alice";
    public const string Bob = "bob";
    public const string ApproverPassword = "approver-password-1";
    public const string Namespace = "shop";
    public const string Module = "shop/counter";
    public const string Dev = "dev";
    public const string Staging = "staging";

    private readonly string _work = Directory.CreateTempSubdirectory("platform-console-").FullName;
    private IPlaywright? _playwright;

    public PlatformStack Stack { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    public string BaseUrl => $"http://{Stack.RegistryHost}";
    public OciLayout.Descriptor Index { get; private set; } = null!;
    public OciLayout.Descriptor Amd64 { get; private set; } = null!;
    public string Signature { get; private set; } = "";
    public TestModuleCatalog Modules { get; } = new();
    public IReadOnlyList<PushedVersion> Versions { get; private set; } = [];
    /// <summary>The protected environment's release that waits for Alice and Bob.</summary>
    public Guid StagingRelease { get; private set; }
    public string CounterId { get; private set; } = "";
    public string FrontendId { get; private set; } = "";
    private readonly CancellationTokenSource _stopLoad = new();
    private Task? _load;

    /// <summary>Where the tests write a screenshot of each page (under the test output; named in the README).</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "console-screenshots");

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: scripts/deps.sh installs Debian's chromium");
        Directory.CreateDirectory(ScreenshotDirectory);
        Stack = await PlatformStack.StartAsync(auth: true, modules: Modules);

        using var admin = Admin();
        await Created(admin.PostAsJsonAsync("/api/v1/users", new { name = Reader, password = ReaderPassword }));
        await Created(admin.PostAsJsonAsync("/api/v1/namespaces", new { name = "team", @public = false }));
        await Created(admin.PostAsJsonAsync("/api/v1/namespaces", new { name = "other", @public = false }));
        using (var member = await admin.PutAsJsonAsync($"/api/v1/namespaces/team/members/{Reader}", new { role = "reader" }))
            Assert.Equal(HttpStatusCode.OK, member.StatusCode);

        var source = new OciLayout(Path.Combine(_work, "src"));
        var shared = source.AddLayer("shared.bin", 300_000, seed: 1);
        Amd64 = source.AddImage("amd64", [shared, source.AddLayer("amd64.bin", 120_000, seed: 2)], seed: 2);
        var arm64 = source.AddImage("arm64", [shared, source.AddLayer("arm64.bin", 110_000, seed: 3)], seed: 3);
        Index = source.AddIndex([(Amd64, "amd64"), (arm64, "arm64")]);
        source.Tag(Index, "multi");
        source.Tag(Amd64, "amd64");
        await Skopeo("copy", "--all", "--preserve-digests", "--dest-tls-verify=false", "--dest-creds", $"admin:{PlatformStack.AdminPassword}",
            $"oci:{source.Root}:multi", $"docker://{Stack.RegistryHost}/{Repository}:multi");
        await Skopeo("copy", "--preserve-digests", "--dest-tls-verify=false", "--dest-creds", $"admin:{PlatformStack.AdminPassword}",
            $"oci:{source.Root}:amd64", $"docker://{Stack.RegistryHost}/{HiddenRepository}:v1");

        // A signature whose subject is the index, pushed over the OCI API with a token like any signing tool.
        using var pusher = await TokenClientAsync($"repository:{Repository}:pull,push");
        var subject = RegistryClient.Descriptor(RegistryClient.OciIndex, Index.Digest, Index.Size);
        (Signature, _) = await new RegistryClient(pusher).PushImageAsync(Repository, null, seed: 9, layers: 1, subject: subject,
            artifactType: SignatureType, configMediaType: "application/vnd.oci.empty.v1+json");

        await WaitForPinsAsync(admin);
        await SeedCanistersAsync(admin);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            // Tests run as root in a container: chromium's sandbox needs user namespaces it may not get there.
            Args = ["--no-sandbox"],
        });
    }

    /// <summary>
    /// Three versions of shop/counter pushed as canister artifacts (two on main, one on feature/login); the approvers;
    /// environment dev released and kept busy; staging planned, awaiting its two approvals.
    /// </summary>
    private async Task SeedCanistersAsync(HttpClient admin)
    {
        await Created(admin.PostAsJsonAsync("/api/v1/namespaces", new { name = Namespace, @public = false }));
        foreach (var account in new[] { Alice, Bob, Reader })
        {
            if (account != Reader)
                await Created(admin.PostAsJsonAsync("/api/v1/users", new { name = account, password = ApproverPassword }));
            using var member = await admin.PutAsJsonAsync($"/api/v1/namespaces/{Namespace}/members/{account}", new { role = "reader" });
            Assert.Equal(HttpStatusCode.OK, member.StatusCode);
        }
        using var pusher = await TokenClientAsync($"repository:{Module}:pull,push");
        var registry = new RegistryClient(pusher);
        Versions =
        [
            await CanisterArtifacts.PushAsync(registry, Module, CanisterArtifacts.Module("counter"), gzip: false, "main", "v1.0.0", CanisterArtifacts.Commit("console-1")),
            await CanisterArtifacts.PushAsync(registry, Module, CanisterArtifacts.Module("counter_v2"), gzip: true, "main", "v1.1.0", CanisterArtifacts.Commit("console-2")),
            await CanisterArtifacts.PushAsync(registry, Module, CanisterArtifacts.Module("counter_classic"), gzip: false, "feature/login", null, CanisterArtifacts.Commit("console-3")),
        ];

        Modules.Push(Module, "counter", "main:latest");
        Modules.Push("shop/frontend", "caller", "main:latest");
        var dev = await ApplyAsync(admin, Dev, """
              services:
                counter:
                  module: shop/counter@main:latest
                  init: '(0)'
                  subnet: 0
                frontend:
                  module: shop/frontend@main:latest
                  subnet: 1
                  replicas: { min: 1, max: 3 }
            """);
        Assert.Equal("succeeded", (await AwaitReleaseAsync(admin, Dev, dev)).GetProperty("status").GetString());
        CounterId = await CanisterIdAsync(admin, Dev, "counter");
        FrontendId = await CanisterIdAsync(admin, Dev, "frontend");
        _load = KeepBusyAsync(_stopLoad.Token);

        StagingRelease = await ApplyAsync(admin, Staging, """
              protected: true
              approvals: { required: 2, approvers: [alice, bob], expiresAfter: 72h }
              services:
                counter:
                  module: shop/counter@main:latest
                  init: '(100)'
            """);
    }

    private static async Task<Guid> ApplyAsync(HttpClient admin, string env, string spec)
    {
        var file = $"apiVersion: platform/v1\nkind: Environment\nmetadata: {{ name: {env}, namespace: {Namespace} }}\nspec:\n{spec}";
        using var content = new StringContent(file, Encoding.UTF8, "application/yaml");
        using var response = await admin.PutAsync($"/api/v1/environments/{env}", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
    }

    /// <summary>Polls the release through the gateway until it is final; its JSON.</summary>
    public static async Task<JsonElement> AwaitReleaseAsync(HttpClient http, string env, Guid id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            var release = await http.GetFromJsonAsync<JsonElement>($"/api/v1/environments/{env}/releases/{id}");
            var status = release.GetProperty("status").GetString();
            if (status is "succeeded" or "failed" or "rolled-back" or "cancelled") return release;
            Assert.True(DateTime.UtcNow < deadline, $"release {id} of {env} is still {status} after 120 s: {release}");
            await Task.Delay(250);
        }
    }

    private static async Task<string> CanisterIdAsync(HttpClient admin, string env, string service) =>
        (await admin.GetFromJsonAsync<JsonElement>($"/api/v1/environments/{env}/services/{service}")).GetProperty("canisterIds")[0].GetString()!;

    /// <summary>The frontend calls the counter across subnets a few times a second, so every load sample has calls.</summary>
    private async Task KeepBusyAsync(CancellationToken ct)
    {
        var instance = Stack.Engine!.Client.Instance(0);
        var payload = CandidBinary.Encode(CandidType.Principal, CandidValue.Principal(Principal.FromText(CounterId)));
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await instance.UpdateCallAsync(new CanisterCall(Principal.Anonymous, Principal.FromText(FrontendId), "incOther", payload), ct);
                await Task.Delay(200, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
                // A busy engine may refuse a call now and then: the next one keeps the load going.
                await Task.Delay(500, CancellationToken.None);
            }
        }
    }

    /// <summary>A fresh browser context (its own cookies) at desktop width, or another viewport.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Permissions = ["clipboard-read", "clipboard-write"],
        });
        return await context.NewPageAsync();
    }

    public async Task LogInAsync(IPage page, string user, string password)
    {
        await page.GotoAsync("/console/login");
        await page.GetByLabel("Account").FillAsync(user);
        await page.GetByLabel("Password or token").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/console/login", StringComparison.Ordinal));
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });

    public HttpClient Admin()
    {
        var http = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{PlatformStack.AdminPassword}")));
        return http;
    }

    /// <summary>A blob's IPFS state as the API gives it to the admin.</summary>
    public async Task<JsonElement> BlobAsync(string repository, string digest)
    {
        using var admin = Admin();
        return await admin.GetFromJsonAsync<JsonElement>($"/api/v1/repositories/{repository}/blobs/{digest}");
    }

    private async Task<HttpClient> TokenClientAsync(string scope)
    {
        using var admin = Admin();
        var answer = await admin.GetFromJsonAsync<JsonElement>($"/token?service=platform-registry&scope={Uri.EscapeDataString(scope)}");
        var http = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", answer.GetProperty("token").GetString());
        return http;
    }

    /// <summary>Until Pinning has given every blob of team/app a CID (the pages then show them all).</summary>
    private static async Task WaitForPinsAsync(HttpClient admin)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var repo = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/repositories/{Repository}");
            var pending = 0;
            foreach (var blob in repo.GetProperty("blobs").EnumerateArray())
            {
                var state = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/repositories/{Repository}/blobs/{blob.GetProperty("digest").GetString()}");
                if (state.GetProperty("cid").ValueKind != JsonValueKind.String || !state.GetProperty("pinned").GetBoolean())
                    pending++;
            }
            if (pending == 0)
                return;
            Assert.True(DateTime.UtcNow < deadline, $"{pending} blobs of {Repository} still not pinned after 2 minutes");
            await Task.Delay(500);
        }
    }

    private static async Task Created(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private static Task Skopeo(params string[] args) =>
        Tool.RunCheckedAsync("skopeo", ["--insecure-policy", .. args], TimeSpan.FromMinutes(3));

    public async Task DisposeAsync()
    {
        await _stopLoad.CancelAsync();
        if (_load is not null)
            await _load;
        if (Browser is not null)
            await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (Stack is not null)
            await Stack.DisposeAsync();
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleFixture>
{
    public const string Name = "console";
}
