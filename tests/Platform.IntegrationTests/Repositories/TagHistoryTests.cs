using System.Net;
using System.Text.Json;
using Platform.IntegrationTests.Distribution;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Repositories;

/// <summary>
/// Time travel for images: a tag's history (every digest it pointed to, when and by whom) and ?at= on the tag and
/// repository reads, computed from the repository's events.
/// </summary>
[Collection(RegistryCollection.Name)]
public sealed class TagHistoryTests(RegistryFixture registry)
{
    private readonly RegistryClient _client = new(registry.Gateway);
    private HttpClient Http => registry.Gateway;

    [Fact]
    public async Task A_tags_history_and_at_reads_give_what_it_pointed_to_then()
    {
        var repo = RegistryClient.UniqueRepo("history");
        var (first, _) = await _client.PushImageAsync(repo, "v1", seed: 71);
        await Task.Delay(20);
        var (second, _) = await _client.PushImageAsync(repo, "v1", seed: 72);
        await Task.Delay(20);
        using (var delete = await Http.DeleteAsync($"/v2/{repo}/manifests/v1"))
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);

        var changes = (await OkAsync($"/api/v1/repositories/{repo}/tags/v1/history")).GetProperty("changes").EnumerateArray().ToList();
        Assert.Equal(["moved", "moved", "deleted"], changes.Select(c => c.GetProperty("action").GetString()));
        Assert.Equal([first, second, second], changes.Select(c => c.GetProperty("digest").GetString()));
        Assert.Equal(JsonValueKind.Null, changes[0].GetProperty("previousDigest").ValueKind);
        Assert.Equal(first, changes[1].GetProperty("previousDigest").GetString());
        Assert.All(changes, c => Assert.Equal("anonymous", c.GetProperty("by").GetString()));
        var at = changes.Select(c => c.GetProperty("at").GetDateTimeOffset()).ToList();
        Assert.True(at[0] < at[1] && at[1] < at[2]);

        // Now the tag is gone; at each earlier time it pointed where it did.
        using (var now = await Http.GetAsync($"/api/v1/repositories/{repo}/tags/v1"))
            Assert.Equal(HttpStatusCode.NotFound, now.StatusCode);
        var then = await OkAsync($"/api/v1/repositories/{repo}/tags/v1?at={Q(at[0])}");
        Assert.Equal(first, then.GetProperty("digest").GetString());
        Assert.Equal("anonymous", then.GetProperty("movedBy").GetString());
        Assert.Equal(second, (await OkAsync($"/api/v1/repositories/{repo}/tags/v1?at={Q(at[1])}")).GetProperty("digest").GetString());
        using (var before = await Http.GetAsync($"/api/v1/repositories/{repo}/tags/v1?at={Q(at[0].AddSeconds(-30))}"))
            Assert.Equal(HttpStatusCode.NotFound, before.StatusCode);

        // The repository as it was after the first push: one manifest, v1 on it.
        var past = await OkAsync($"/api/v1/repositories/{repo}?at={Q(at[0])}");
        Assert.Equal([first], past.GetProperty("manifests").EnumerateArray().Select(m => m.GetProperty("digest").GetString()));
        Assert.Equal(first, past.GetProperty("tags")[0].GetProperty("digest").GetString());
        var present = await OkAsync($"/api/v1/repositories/{repo}");
        Assert.Empty(present.GetProperty("tags").EnumerateArray());
        Assert.Equal(2, present.GetProperty("manifests").GetArrayLength());
    }

    [Fact]
    public async Task Bad_history_reads_are_problems()
    {
        var repo = RegistryClient.UniqueRepo("history");
        await _client.PushImageAsync(repo, "v1", seed: 73);
        foreach (var (path, status) in new[]
                 {
                     ($"/api/v1/repositories/{repo}/tags/never/history", HttpStatusCode.NotFound),
                     ($"/api/v1/repositories/{repo}/tags/v1?at=soon", HttpStatusCode.BadRequest),
                     ($"/api/v1/repositories/{repo}?at=soon", HttpStatusCode.BadRequest),
                     ($"/api/v1/repositories/{repo}?at=2000-01-01T00:00:00Z", HttpStatusCode.NotFound),
                 })
        {
            using var response = await Http.GetAsync(path);
            Assert.True(status == response.StatusCode, $"{path}: {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    private static string Q(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("O"));

    private async Task<JsonElement> OkAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
