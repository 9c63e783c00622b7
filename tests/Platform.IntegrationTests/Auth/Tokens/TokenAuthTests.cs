using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Platform.Gateway.Auth;
using Platform.Gateway.Auth.Tokens;
using Platform.IntegrationTests.Distribution;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Auth.Tokens;

[Collection(AuthCollection.Name)]
public sealed class TokenAuthTests(AuthFixture auth)
{
    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..(prefix.Length + 10)];

    [Fact]
    public async Task Unauthenticated_push_gets_401_with_the_bearer_challenge()
    {
        using var response = await auth.Anonymous.PostAsync("/v2/team/app/blobs/uploads/", null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = response.Headers.WwwAuthenticate.ToString();
        Assert.Equal($"Bearer realm=\"{auth.GatewayUrl}token\",service=\"platform-registry\",scope=\"repository:team/app:pull,push\"", challenge);
        await RegistryClient.AssertErrorAsync(response, HttpStatusCode.Unauthorized, "UNAUTHORIZED");

        using var root = await auth.Anonymous.GetAsync("/v2/");
        Assert.Equal(HttpStatusCode.Unauthorized, root.StatusCode);
        Assert.Equal($"Bearer realm=\"{auth.GatewayUrl}token\",service=\"platform-registry\"", root.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task The_token_grants_only_what_the_role_allows_and_carries_the_spec_claims()
    {
        var ns = Unique("ns");
        var user = Unique("u");
        await auth.CreateUserAsync(user, "password-1");
        await auth.CreateNamespaceAsync(ns);
        await auth.AddMemberAsync(ns, user, "developer");

        var (status, body) = await auth.RequestTokenAsync(user, "password-1", $"repository:{ns}/app:pull,push,delete", "repository:other/app:pull");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(300, body.GetProperty("expires_in").GetInt32());
        Assert.Equal(body.GetProperty("token").GetString(), body.GetProperty("access_token").GetString());
        Assert.True(body.TryGetProperty("issued_at", out _));

        var jwt = new JsonWebToken(body.GetProperty("token").GetString());
        Assert.Equal("ES256", jwt.Alg);
        Assert.False(string.IsNullOrEmpty(jwt.Kid));
        Assert.Equal(user, jwt.Subject);
        Assert.Equal("platform-registry", Assert.Single(jwt.Audiences));
        Assert.False(string.IsNullOrEmpty(jwt.Id));
        Assert.True(jwt.ValidTo - jwt.IssuedAt <= TimeSpan.FromMinutes(5));
        var access = JsonDocument.Parse(Base64UrlEncoder.Decode(jwt.EncodedPayload)).RootElement.GetProperty("access");
        var entry = Assert.Single(access.EnumerateArray());
        Assert.Equal("repository", entry.GetProperty("type").GetString());
        Assert.Equal($"{ns}/app", entry.GetProperty("name").GetString());
        Assert.Equal(["pull", "push"], entry.GetProperty("actions").EnumerateArray().Select(a => a.GetString()!).ToArray());
    }

    [Fact]
    public async Task A_token_scoped_to_one_namespace_cannot_push_to_another()
    {
        var a = Unique("a");
        var b = Unique("b");
        var user = Unique("u");
        await auth.CreateUserAsync(user, "password-1");
        await auth.CreateNamespaceAsync(a);
        await auth.CreateNamespaceAsync(b);
        await auth.AddMemberAsync(a, user, "developer");

        var token = await auth.TokenAsync(user, "password-1", $"repository:{a}/x:pull,push", $"repository:{b}/y:pull,push");
        using var http = auth.WithToken(token);
        var client = new RegistryClient(http);
        await client.PushImageAsync($"{a}/x", "v1", seed: 1);

        using var denied = await http.PostAsync($"/v2/{b}/y/blobs/uploads/", null);
        await RegistryClient.AssertErrorAsync(denied, HttpStatusCode.Forbidden, "DENIED");
    }

    [Fact]
    public async Task A_token_remembered_as_valid_still_expires()
    {
        var keys = auth.GatewayServices.GetRequiredService<SigningKeys>();
        var options = auth.GatewayServices.GetRequiredService<IOptions<AuthOptions>>();
        var clock = new MovableTime(DateTimeOffset.UtcNow);
        var tokens = new TokenService(keys, options, clock);
        var token = tokens.IssueAccess("admin", [new AccessEntry("repository", "x/app", ["pull"])], null).Token;

        Assert.Equal("admin", (await tokens.ValidateAccessAsync(token))?.Subject);
        Assert.Equal("admin", (await tokens.ValidateAccessAsync(token))?.Subject); // the second time from memory

        // Past its expiry and the clock skew, the same string is refused, remembered or not.
        clock.Now += options.Value.AccessTokenLifetime + TimeSpan.FromMinutes(1);
        Assert.Null(await tokens.ValidateAccessAsync(token));
    }

    [Fact]
    public async Task Forged_expired_and_foreign_tokens_are_refused()
    {
        var ns = Unique("f");
        await auth.CreateNamespaceAsync(ns);
        var repo = $"{ns}/app";
        var path = $"/v2/{repo}/tags/list";
        var good = await auth.TokenAsync("admin", AuthFixture.AdminPassword, $"repository:{repo}:pull");
        using (var ok = await Send(good))
            Assert.Equal(HttpStatusCode.NotFound, ok.StatusCode); // allowed in; the repository is just empty

        var keys = auth.GatewayServices.GetRequiredService<SigningKeys>();
        var options = auth.GatewayServices.GetRequiredService<IOptions<AuthOptions>>();
        var access = new[] { new AccessEntry("repository", repo, ["pull"]) };

        // Expired: signed with the real key, an hour ago.
        var expired = new TokenService(keys, options, new FixedTime(DateTimeOffset.UtcNow.AddHours(-1))).IssueAccess("admin", access, null).Token;
        await AssertRefused(expired);

        // Another key (unknown kid), and another key claiming the real kid (bad signature).
        var otherDir = Directory.CreateTempSubdirectory("platform-otherkeys-").FullName;
        var otherKeys = new SigningKeys(Options.Create(new AuthOptions { KeyDirectory = otherDir }), new HostEnv(), NullLogger<SigningKeys>.Instance);
        await AssertRefused(new TokenService(otherKeys, options, TimeProvider.System).IssueAccess("admin", access, null).Token);
        var impostor = new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = keys.Current.Kid };
        await AssertRefused(Sign(impostor, SecurityAlgorithms.EcdsaSha256, repo));

        // Bad signature: one character of the signature changed.
        var parts = good.Split('.');
        var sig = parts[2].ToCharArray();
        sig[5] = sig[5] == 'A' ? 'B' : 'A';
        await AssertRefused($"{parts[0]}.{parts[1]}.{new string(sig)}");

        // Tampered claims: the payload grants push, the signature is the original one.
        var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(parts[1])).RootElement.GetRawText().Replace("[\"pull\"]", "[\"pull\",\"push\"]");
        await AssertRefused($"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}");

        // alg none, and a wrong algorithm (HS256 keyed with the public key bytes).
        var header = Base64UrlEncoder.Encode($$"""{"alg":"none","typ":"JWT","kid":"{{keys.Current.Kid}}"}""");
        await AssertRefused($"{header}.{parts[1]}.");
        var hmac = new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)) { KeyId = keys.Current.Kid };
        await AssertRefused(Sign(hmac, SecurityAlgorithms.HmacSha256, repo));

        // Wrong audience / issuer, with the real key.
        await AssertRefused(Sign(keys.Current.Key, SecurityAlgorithms.EcdsaSha256, repo, audience: "another-registry"));
        await AssertRefused(Sign(keys.Current.Key, SecurityAlgorithms.EcdsaSha256, repo, issuer: "someone-else"));
        // ...and the same with the right ones works (the helper itself is sound).
        using (var ok = await Send(Sign(keys.Current.Key, SecurityAlgorithms.EcdsaSha256, repo)))
            Assert.Equal(HttpStatusCode.NotFound, ok.StatusCode);

        async Task AssertRefused(string token)
        {
            using var response = await Send(token);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString());
        }

        async Task<HttpResponseMessage> Send(string token)
        {
            using var http = auth.WithToken(token);
            return await http.GetAsync(path);
        }
    }

    private static string Sign(SecurityKey key, string alg, string repo, string audience = "platform-registry", string issuer = "platform-token-issuer") =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = new Dictionary<string, object>
            {
                ["sub"] = "admin",
                ["jti"] = Guid.NewGuid().ToString("N"),
                ["access"] = JsonSerializer.SerializeToElement(new[] { new { type = "repository", name = repo, actions = new[] { "pull" } } }),
            },
            Expires = DateTime.UtcNow.AddMinutes(5),
            NotBefore = DateTime.UtcNow,
            IssuedAt = DateTime.UtcNow,
            TokenType = "JWT",
            SigningCredentials = new SigningCredentials(key, alg),
        });

    [Fact]
    public async Task A_robot_with_the_reader_role_pulls_but_cannot_push()
    {
        var ns = Unique("r");
        await auth.CreateNamespaceAsync(ns);
        using var admin = auth.Admin();
        using var created = await admin.PostAsJsonAsync("/api/v1/robots", new { name = Unique("ci") });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var robot = await created.Content.ReadFromJsonAsync<JsonElement>();
        var name = robot.GetProperty("name").GetString()!;
        var secret = robot.GetProperty("secret").GetString()!;
        Assert.StartsWith("robot$", name);
        await auth.AddMemberAsync(ns, name, "reader");

        // Something to pull, pushed by the admin.
        using (var adminHttp = auth.WithToken(await auth.TokenAsync("admin", AuthFixture.AdminPassword, $"repository:{ns}/app:pull,push")))
            await new RegistryClient(adminHttp).PushImageAsync($"{ns}/app", "v1", seed: 3);

        var token = await auth.TokenAsync(name, secret, $"repository:{ns}/app:pull,push");
        using var http = auth.WithToken(token);
        using (var pull = await http.GetAsync($"/v2/{ns}/app/manifests/v1"))
            Assert.Equal(HttpStatusCode.OK, pull.StatusCode);
        using var push = await http.PostAsync($"/v2/{ns}/app/blobs/uploads/", null);
        await RegistryClient.AssertErrorAsync(push, HttpStatusCode.Forbidden, "DENIED");
    }

    [Fact]
    public async Task Anonymous_pull_works_on_public_namespaces_only()
    {
        var pub = Unique("pub");
        var priv = Unique("priv");
        await auth.CreateNamespaceAsync(pub, isPublic: true);
        await auth.CreateNamespaceAsync(priv);
        using (var adminHttp = auth.WithToken(await auth.TokenAsync("admin", AuthFixture.AdminPassword,
                   $"repository:{pub}/app:pull,push", $"repository:{priv}/app:pull,push")))
        {
            var client = new RegistryClient(adminHttp);
            await client.PushImageAsync($"{pub}/app", "v1", seed: 4);
            await client.PushImageAsync($"{priv}/app", "v1", seed: 5);
        }

        using (var pull = await auth.Anonymous.GetAsync($"/v2/{pub}/app/manifests/v1"))
            Assert.Equal(HttpStatusCode.OK, pull.StatusCode);
        using (var pull = await auth.Anonymous.GetAsync($"/v2/{priv}/app/manifests/v1"))
            Assert.Equal(HttpStatusCode.Unauthorized, pull.StatusCode);

        // The anonymous token flow gives pull on the public one, nothing on the private one.
        var (_, body) = await auth.RequestTokenAsync(null, null, $"repository:{pub}/app:pull,push", $"repository:{priv}/app:pull");
        Assert.Equal($"repository:{pub}/app:pull", body.GetProperty("scope").GetString());
        using var http = auth.WithToken(body.GetProperty("token").GetString()!);
        using (var pull = await http.GetAsync($"/v2/{pub}/app/manifests/v1"))
            Assert.Equal(HttpStatusCode.OK, pull.StatusCode);
        using (var pull = await http.GetAsync($"/v2/{priv}/app/manifests/v1"))
            Assert.Equal(HttpStatusCode.Unauthorized, pull.StatusCode);
        using (var push = await http.PostAsync($"/v2/{pub}/app/blobs/uploads/", null))
            Assert.Equal(HttpStatusCode.Unauthorized, push.StatusCode);

        // The catalog shows anonymous callers the public repository only.
        using var catalog = await auth.Anonymous.GetAsync("/v2/_catalog");
        var names = (await catalog.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("repositories").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains($"{pub}/app", names);
        Assert.DoesNotContain($"{priv}/app", names);
    }

    [Fact]
    public async Task Revoking_a_personal_access_token_takes_effect_at_once()
    {
        var ns = Unique("p");
        var user = Unique("u");
        await auth.CreateUserAsync(user, "password-1");
        await auth.CreateNamespaceAsync(ns);
        await auth.AddMemberAsync(ns, user, "reader");

        using var me = new HttpClient { BaseAddress = auth.GatewayUrl };
        me.DefaultRequestHeaders.Authorization = AuthFixture.Basic(user, "password-1");
        using var created = await me.PostAsJsonAsync("/api/v1/tokens", new { name = "ci" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var pat = await created.Content.ReadFromJsonAsync<JsonElement>();
        var secret = pat.GetProperty("token").GetString()!;

        var token = await auth.TokenAsync(user, secret, $"repository:{ns}/app:pull");
        using var http = auth.WithToken(token);
        using (var before = await http.GetAsync($"/v2/{ns}/app/tags/list"))
            Assert.Equal(HttpStatusCode.NotFound, before.StatusCode); // let in

        using (var revoke = await me.DeleteAsync($"/api/v1/tokens/{pat.GetProperty("id").GetString()}"))
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);

        using (var after = await http.GetAsync($"/v2/{ns}/app/tags/list"))
            Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        var (status, _) = await auth.RequestTokenAsync(user, secret, $"repository:{ns}/app:pull");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Fact]
    public async Task A_changed_password_stops_working_at_once_though_it_was_just_verified()
    {
        // The gateway remembers secrets that verified (PBKDF2 is slow on purpose); a change must still win at once.
        var ns = Unique("c");
        var user = Unique("u");
        await auth.CreateUserAsync(user, "password-1");
        await auth.CreateNamespaceAsync(ns);
        await auth.AddMemberAsync(ns, user, "reader");
        var scope = $"repository:{ns}/app:pull";
        for (var i = 0; i < 2; i++)
            Assert.Equal(HttpStatusCode.OK, (await auth.RequestTokenAsync(user, "password-1", scope)).Status);

        using (var admin = auth.Admin())
        using (var set = await admin.PutAsJsonAsync($"/api/v1/users/{user}/password", new { password = "password-2" }))
            Assert.Equal(HttpStatusCode.NoContent, set.StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await auth.RequestTokenAsync(user, "password-1", scope)).Status);
        Assert.Equal(HttpStatusCode.OK, (await auth.RequestTokenAsync(user, "password-2", scope)).Status);
        // A wrong secret is never taken for a remembered one.
        Assert.Equal(HttpStatusCode.Unauthorized, (await auth.RequestTokenAsync(user, "password-2x", scope)).Status);
    }

    [Fact]
    public async Task The_actor_reaches_the_events_and_backends_refuse_unsigned_requests()
    {
        var ns = Unique("e");
        var user = Unique("u");
        await auth.CreateUserAsync(user, "password-1");
        await auth.CreateNamespaceAsync(ns);
        await auth.AddMemberAsync(ns, user, "maintainer");
        var repo = $"{ns}/app";
        using var http = auth.WithToken(await auth.TokenAsync(user, "password-1", $"repository:{repo}:pull,push"));
        // A client trying to name the actor itself is ignored.
        http.DefaultRequestHeaders.Add("X-Platform-Actor", "admin");
        await new RegistryClient(http).PushImageAsync(repo, "v1", seed: 6);

        await using var query = auth.IngestServices.GetRequiredService<IDocumentStore>().QuerySession();
        var events = await query.Events.FetchStreamAsync(Platform.Registry.Events.StreamKeys.Repository(repo));
        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.Equal(user, e.Headers!["actor"]?.ToString()));

        // Straight to Ingest, around the gateway: refused.
        using var direct = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{auth.IngestPort}") };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v2/{repo}/blobs/uploads/")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Add("X-Platform-Actor", "admin");
        request.Headers.Add("X-Platform-Actor-Signature", Convert.ToBase64String(Encoding.UTF8.GetBytes("forged")));
        using var response = await direct.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Signing_keys_rotate_and_old_tokens_keep_working_until_their_key_is_removed()
    {
        var ns = Unique("k");
        await auth.CreateNamespaceAsync(ns);
        var path = $"/v2/{ns}/app/tags/list";
        var old = await auth.TokenAsync("admin", AuthFixture.AdminPassword, $"repository:{ns}/app:pull");
        var oldKid = new JsonWebToken(old).Kid;

        using var admin = auth.Admin();
        using (var rotate = await admin.PostAsync("/api/v1/admin/keys/rotate", null))
            Assert.Equal(HttpStatusCode.OK, rotate.StatusCode);
        var fresh = await auth.TokenAsync("admin", AuthFixture.AdminPassword, $"repository:{ns}/app:pull");
        Assert.NotEqual(oldKid, new JsonWebToken(fresh).Kid);

        using (var http = auth.WithToken(old))
        using (var r = await http.GetAsync(path))
            Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        using (var remove = await admin.DeleteAsync($"/api/v1/admin/keys/{oldKid}"))
            Assert.Equal(HttpStatusCode.NoContent, remove.StatusCode);
        using (var http = auth.WithToken(old))
        using (var r = await http.GetAsync(path))
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        using (var http = auth.WithToken(fresh))
        using (var r = await http.GetAsync(path))
            Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
    }

    [Fact]
    public async Task The_oauth2_post_flow_issues_refresh_tokens_that_die_with_the_password()
    {
        var ns = Unique("o");
        var user = Unique("u");
        await auth.CreateUserAsync(user, "password-1");
        await auth.CreateNamespaceAsync(ns);
        await auth.AddMemberAsync(ns, user, "reader");

        async Task<(HttpStatusCode, JsonElement)> Post(params (string, string)[] form)
        {
            using var response = await auth.Anonymous.PostAsync("/token",
                new FormUrlEncodedContent(form.Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2))));
            return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
        }

        var (status, body) = await Post(("grant_type", "password"), ("username", user), ("password", "password-1"),
            ("client_id", "tests"), ("access_type", "offline"), ("service", "platform-registry"), ("scope", $"repository:{ns}/app:pull"));
        Assert.Equal(HttpStatusCode.OK, status);
        var refresh = body.GetProperty("refresh_token").GetString()!;
        Assert.Equal($"repository:{ns}/app:pull", body.GetProperty("scope").GetString());

        // A refresh token is no access token.
        using (var http = auth.WithToken(refresh))
        using (var r = await http.GetAsync($"/v2/{ns}/app/tags/list"))
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);

        (status, body) = await Post(("grant_type", "refresh_token"), ("refresh_token", refresh), ("client_id", "tests"),
            ("scope", $"repository:{ns}/app:pull,push"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal($"repository:{ns}/app:pull", body.GetProperty("scope").GetString());

        (status, _) = await Post(("grant_type", "password"), ("username", user), ("password", "wrong"), ("client_id", "tests"));
        Assert.Equal(HttpStatusCode.Unauthorized, status);

        using (var admin = auth.Admin())
        using (var set = await admin.PutAsJsonAsync($"/api/v1/users/{user}/password", new { password = "password-2" }))
            Assert.Equal(HttpStatusCode.NoContent, set.StatusCode);
        (status, _) = await Post(("grant_type", "refresh_token"), ("refresh_token", refresh), ("client_id", "tests"));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Fact]
    public async Task Only_admins_use_the_admin_api()
    {
        var user = Unique("u");
        await auth.CreateUserAsync(user, "password-1");
        using var http = new HttpClient { BaseAddress = auth.GatewayUrl };
        using (var anonymous = await http.GetAsync("/api/v1/users"))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        http.DefaultRequestHeaders.Authorization = AuthFixture.Basic(user, "password-1");
        using var response = await http.GetAsync("/api/v1/users");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private sealed class MovableTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class HostEnv : Microsoft.Extensions.Hosting.IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Test";
        public string ApplicationName { get; set; } = "test";
        public string ContentRootPath { get; set; } = Path.GetTempPath();
        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = new Microsoft.Extensions.FileProviders.NullFileProvider();
    }
}
