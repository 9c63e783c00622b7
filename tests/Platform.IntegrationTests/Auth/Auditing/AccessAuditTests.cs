using System.Net;
using System.Text.Json;
using Platform.IntegrationTests.Distribution;

namespace Platform.IntegrationTests.Auth.Auditing;

/// <summary>The audit log says who pushed, pulled, deleted, and who was denied, as the gateway authenticated them.</summary>
[Collection(AuthCollection.Name)]
public sealed class AccessAuditTests(AuthFixture auth)
{
    [Fact]
    public async Task Pushes_pulls_deletes_and_denials_are_audited_with_the_authenticated_actor()
    {
        var id = Guid.NewGuid().ToString("N")[..10];
        var ns = $"audited{id}";
        var repo = $"{ns}/app";
        var reader = $"reader{id}";
        await auth.CreateNamespaceAsync(ns);
        await auth.CreateUserAsync(reader, "reader-password-1");
        await auth.AddMemberAsync(ns, reader, "reader");

        // admin pushes
        using var adminHttp = auth.WithToken(await auth.TokenAsync("admin", AuthFixture.AdminPassword, $"repository:{repo}:pull,push,delete"));
        var (digest, _) = await new RegistryClient(adminHttp).PushImageAsync(repo, "v1", seed: 1, layers: 1);

        // the reader pulls, then tries to push and is denied
        using var readerHttp = auth.WithToken(await auth.TokenAsync(reader, "reader-password-1", $"repository:{repo}:pull,push"));
        using (var pull = await readerHttp.GetAsync($"/v2/{repo}/manifests/v1"))
            Assert.Equal(HttpStatusCode.OK, pull.StatusCode);
        using (var push = await readerHttp.PostAsync($"/v2/{repo}/blobs/uploads/", null))
            await RegistryClient.AssertErrorAsync(push, HttpStatusCode.Forbidden, "DENIED");

        // admin deletes
        using (var delete = await adminHttp.DeleteAsync($"/v2/{repo}/manifests/{digest}"))
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);

        using var auditor = auth.WithToken(await auth.TokenAsync("admin", AuthFixture.AdminPassword));
        var wanted = new[]
        {
            ("manifest.pushed", "admin"), ("tag.moved", "admin"), ("manifest.pulled", reader),
            ("access.denied", reader), ("manifest.deleted", "admin"),
        };
        var deadline = DateTime.UtcNow.AddSeconds(20);
        List<(string Action, string Actor)> seen;
        while (true)
        {
            using var response = await auditor.GetAsync($"/api/v1/audit/events?repository={Uri.EscapeDataString(repo)}&limit=200");
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, text);
            seen = JsonDocument.Parse(text).RootElement.GetProperty("events").EnumerateArray()
                .Select(e => (e.GetProperty("action").GetString()!, e.GetProperty("actor").GetString()!)).ToList();
            if (wanted.All(seen.Contains) || DateTime.UtcNow > deadline)
                break;
            await Task.Delay(200);
        }
        Assert.All(wanted, w => Assert.Contains(w, seen));
        // Nobody but the gateway's callers appears: no anonymous writes in this repository.
        Assert.DoesNotContain(seen, e => e.Actor == "anonymous" && e.Action is "manifest.pushed" or "manifest.deleted");
    }
}
