using System.Net;
using System.Text;
using Platform.IntegrationTests.Distribution;

namespace Platform.IntegrationTests.Auth.Authorization;

/// <summary>
/// A cross-repository mount reads the source repository. With `from`, the token must grant pull on it (clients ask
/// for that scope): what the account could be granted does not count, and without the grant the mount is not done
/// and a plain upload starts (202), as the distribution spec says a registry may do. Without `from` no client can
/// know which scope to ask for, so the account's rights decide where an automatic mount may look.
/// </summary>
[Collection(AuthCollection.Name)]
public sealed class MountScopeTests(AuthFixture auth)
{
    [Fact]
    public async Task A_token_without_pull_on_the_source_cannot_mount_from_it()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        string own = $"own{id}", secret = $"secret{id}", user = $"dev{id}";
        await auth.CreateNamespaceAsync(own);
        await auth.CreateNamespaceAsync(secret);
        await auth.CreateUserAsync(user, "password-1");
        await auth.AddMemberAsync(own, user, "developer");
        // The account may read the private repository: only the token it uses is narrower.
        await auth.AddMemberAsync(secret, user, "reader");
        string source = $"{secret}/app", target = $"{own}/z";
        string digest;
        using (var admin = auth.WithToken(await auth.TokenAsync("admin", AuthFixture.AdminPassword, $"repository:{source}:pull,push")))
            digest = await new RegistryClient(admin).PushBlobAsync(source, Encoding.UTF8.GetBytes("a private layer " + id));

        using (var narrow = auth.WithToken(await auth.TokenAsync(user, "password-1", $"repository:{target}:pull,push")))
        {
            using var mount = await narrow.PostAsync($"/v2/{target}/blobs/uploads/?mount={digest}&from={source}", null);
            Assert.Equal(HttpStatusCode.Accepted, mount.StatusCode);
            using var head = await narrow.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/{target}/blobs/{digest}"));
            Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        }

        // With pull on the source in the token the same mount is done: the refusal above is the scope's.
        using var both = auth.WithToken(await auth.TokenAsync(user, "password-1", $"repository:{target}:pull,push", $"repository:{source}:pull"));
        using var mounted = await both.PostAsync($"/v2/{target}/blobs/uploads/?mount={digest}&from={source}", null);
        Assert.Equal(HttpStatusCode.Created, mounted.StatusCode);
    }

    [Fact]
    public async Task A_mount_without_from_looks_only_where_the_account_may_pull()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        string own = $"own{id}", shared = $"shared{id}", secret = $"secret{id}", user = $"dev{id}";
        await auth.CreateNamespaceAsync(own);
        await auth.CreateNamespaceAsync(shared);
        await auth.CreateNamespaceAsync(secret);
        await auth.CreateUserAsync(user, "password-1");
        await auth.AddMemberAsync(own, user, "developer");
        await auth.AddMemberAsync(shared, user, "reader");
        // The user is no member of the secret namespace: a blob only there must stay invisible to it.
        string readable = $"{shared}/base", hidden = $"{secret}/app", target = $"{own}/z";
        string sharedDigest, secretDigest;
        using (var admin = auth.WithToken(await auth.TokenAsync("admin", AuthFixture.AdminPassword,
                   $"repository:{readable}:pull,push", $"repository:{hidden}:pull,push")))
        {
            sharedDigest = await new RegistryClient(admin).PushBlobAsync(readable, Encoding.UTF8.GetBytes("a shared layer " + id));
            secretDigest = await new RegistryClient(admin).PushBlobAsync(hidden, Encoding.UTF8.GetBytes("a secret layer " + id));
        }

        // The token is scoped to the target only, as a client's token for a push is: the account's rights decide.
        using var client = auth.WithToken(await auth.TokenAsync(user, "password-1", $"repository:{target}:pull,push"));
        using (var mounted = await client.PostAsync($"/v2/{target}/blobs/uploads/?mount={sharedDigest}", null))
        {
            Assert.Equal(HttpStatusCode.Created, mounted.StatusCode);
            Assert.Equal($"/v2/{target}/blobs/{sharedDigest}", mounted.Headers.Location!.ToString());
        }

        using (var refused = await client.PostAsync($"/v2/{target}/blobs/uploads/?mount={secretDigest}", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, refused.StatusCode);
            Assert.Contains("/blobs/uploads/", refused.Headers.Location!.ToString());
        }
        using (var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/{target}/blobs/{secretDigest}")))
            Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);

        // A client cannot widen the search with the gateway's own parameter.
        using (var forged = await client.PostAsync($"/v2/{target}/blobs/uploads/?mount={secretDigest}&mountNamespace=*&mountNamespace={secret}", null))
            Assert.Equal(HttpStatusCode.Accepted, forged.StatusCode);
        using (var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/{target}/blobs/{secretDigest}")))
            Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
    }
}
