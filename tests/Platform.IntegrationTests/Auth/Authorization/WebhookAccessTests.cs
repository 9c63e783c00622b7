using System.Net;
using System.Net.Http.Json;
using Platform.IntegrationTests.Audit.Webhooks;
using Platform.IntegrationTests.Distribution;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Auth.Authorization;

/// <summary>
/// A namespace's webhooks are its owners' and maintainers' (and admins'): readers and developers get 403, nobody at
/// all 401. With auth on, pulls are recorded, so a pull webhook is told of them.
/// </summary>
[Collection(AuthCollection.Name)]
public sealed class WebhookAccessTests(AuthFixture auth)
{
    [Fact]
    public async Task Only_owners_maintainers_and_admins_manage_a_namespaces_webhooks_and_pulls_are_delivered()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        string ns = $"hooked{id}", maintainer = $"mnt{id}", developer = $"dev{id}", reader = $"rdr{id}";
        await auth.CreateNamespaceAsync(ns);
        foreach (var (user, role) in new[] { (maintainer, "maintainer"), (developer, "developer"), (reader, "reader") })
        {
            await auth.CreateUserAsync(user, "password-1");
            await auth.AddMemberAsync(ns, user, role);
        }
        await using var receiver = await WebhookReceiver.StartAsync(ThrowawayPostgres.FreePort());
        var subscription = new { url = receiver.Url, events = new[] { "pull" }, secret = WebhookTests.Secret };
        var path = $"/api/v1/namespaces/{ns}/webhooks";

        using (var anonymous = await auth.Anonymous.PostAsJsonAsync(path, subscription))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        foreach (var user in new[] { developer, reader })
        {
            using var client = new HttpClient { BaseAddress = auth.GatewayUrl };
            client.DefaultRequestHeaders.Authorization = AuthFixture.Basic(user, "password-1");
            using var refused = await client.PostAsJsonAsync(path, subscription);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            using var list = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
        }
        using (var owner = new HttpClient { BaseAddress = auth.GatewayUrl })
        {
            owner.DefaultRequestHeaders.Authorization = AuthFixture.Basic(maintainer, "password-1");
            using var created = await owner.PostAsJsonAsync(path, subscription);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var repo = $"{ns}/app";
        using var pusher = auth.WithToken(await auth.TokenAsync(maintainer, "password-1", $"repository:{repo}:pull,push"));
        var (digest, _) = await new RegistryClient(pusher).PushImageAsync(repo, "v1", seed: 51);
        using (var pull = await pusher.GetAsync($"/v2/{repo}/manifests/v1"))
            Assert.Equal(HttpStatusCode.OK, pull.StatusCode);

        var pulled = await receiver.WaitAsync(e => e.Type == "io.platform.registry.pull" && e.Data.GetProperty("digest").GetString() == digest);
        WebhookTests.AssertSigned(pulled);
        Assert.Equal("v1", pulled.Data.GetProperty("reference").GetString());
        Assert.Equal(maintainer, pulled.Data.GetProperty("actor").GetString());
    }
}
