using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Platform.IntegrationTests.Distribution;
using Xunit.Abstractions;
using static Platform.IntegrationTests.Distribution.RegistryClient;

namespace Platform.IntegrationTests.Gc;

/// <summary>
/// The trap of garbage collection: deleting a blob a concurrent push re-references. Images sharing layers are
/// pushed (and some deleted) in a loop while GC sweeps every second with a two-second grace period; afterwards
/// every image pulls back byte-identical and the content store holds exactly what the manifests reference.
/// </summary>
[Collection(GcCollection.Name)]
public sealed class GcSoakTests(GcFixture fixture, ITestOutputHelper output)
{
    private const int Images = 36;
    private const int Pushers = 3;
    private static readonly TimeSpan MaxPushTime = TimeSpan.FromSeconds(90);
    private readonly GcProbe _gc = new(fixture.Stack);

    private sealed record Pushed(string Repo, string Tag, string Digest, byte[] Manifest, List<string> Blobs, bool Deleted);

    // On failure: the repositories' events and what each run unlinked, to tell a lost race from anything else.
    private async Task DumpAsync(string[] repos)
    {
        await using var query = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<Marten.IDocumentStore>(fixture.Stack.IngestServices).QuerySession();
        foreach (var repo in repos)
        {
            var events = await Marten.QueryableExtensions.ToListAsync(query.Events.QueryAllRawEvents().Where(e => e.StreamKey == "repo:" + repo));
            foreach (var e in events.OrderBy(e => e.Sequence))
                output.WriteLine($"{e.Sequence} {e.Timestamp:HH:mm:ss.fff} {e.EventTypeName} {System.Text.Json.JsonSerializer.Serialize(e.Data)[..Math.Min(300, System.Text.Json.JsonSerializer.Serialize(e.Data).Length)]}");
        }
        foreach (var r in _runs)
            output.WriteLine($"run {r.RunId} unlinked {string.Join(",", r.UnlinkedBlobs.Select(b => b.Digest[..15]))}");
    }

    private readonly List<GcRun> _runs = [];
    private int _slowPushes;

    [Fact]
    public async Task Pushes_that_share_layers_survive_gc_sweeping_all_along_and_the_store_keeps_exactly_what_is_reachable()
    {
        var client = new RegistryClient(fixture.Stack.Gateway);
        var repos = Enumerable.Range(0, 2).Select(_ => UniqueRepo("gc-soak")).ToArray();
        // Four shared layers; each image takes two of them, plus a layer and a config of its own.
        var shared = Enumerable.Range(0, 4).Select(i => RandomBytes(40_000 + i * 1000, 9000 + i)).ToArray();
        var blobBytes = new ConcurrentDictionary<string, byte[]>();
        foreach (var layer in shared)
            blobBytes[DigestOf(layer)] = layer;

        var pushed = new ConcurrentBag<Pushed>();
        var next = -1;
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var runs = _runs;
        var sweeping = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                runs.Add(await _gc.RunAsync());
                try { await Task.Delay(TimeSpan.FromSeconds(1), stop.Token); }
                catch (OperationCanceledException) { }
            }
        });

        var pushers = Enumerable.Range(0, Pushers).Select(_ => Task.Run(async () =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) < Images && clock.Elapsed < MaxPushTime)
            {
                var repo = repos[n % repos.Length];
                var config = GcProbe.Config($"soak-{n}");
                var own = RandomBytes(20_000 + n, 5000 + n);
                var layers = new[] { shared[n % 4], shared[(n + 1) % 4], own };
                blobBytes[DigestOf(config)] = config;
                blobBytes[DigestOf(own)] = own;
                var tag = $"t{n}";
                // The contract: a layer uploaded (or an image deleted) within the grace period is not collected. A
                // push whose first upload is older than that when its manifest arrives (the shared machine stalled it)
                // may find a layer gone, as with any registry's window; the client pushes again. A refusal of a push
                // that took less than the grace period is a lost race, and fails the test.
                (string Digest, byte[] Body, List<string> Blobs)? result;
                while (true)
                {
                    var took = Stopwatch.StartNew();
                    var (attempt, refusal) = await GcProbe.TryPushImageAsync(client, repo, tag, config, layers);
                    if (attempt is not null)
                    {
                        result = attempt;
                        break;
                    }
                    Assert.True(took.Elapsed >= GcFixture.GracePeriod, $"refused after {took.Elapsed.TotalSeconds:F2} s, within the grace period: {refusal}");
                    Interlocked.Increment(ref _slowPushes);
                }
                var (digest, body, blobs) = result.Value;
                // Every third image is deleted again, its unique blobs becoming garbage while others push.
                var delete = n % 3 == 2;
                if (delete)
                    using (var response = await client.Http.DeleteAsync($"/v2/{repo}/manifests/{digest}"))
                        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                pushed.Add(new Pushed(repo, tag, digest, body, blobs, delete));
            }
        })).ToArray();
        try
        {
            await Task.WhenAll(pushers);
        }
        catch
        {
            await DumpAsync(repos);
            throw;
        }
        finally
        {
            await stop.CancelAsync();
            await sweeping;
        }
        var pushSeconds = clock.Elapsed.TotalSeconds;

        // What became garbage during the loop is past its grace now: one run unlinks it, the next (a grace later) deletes it.
        await GcProbe.PastGraceAsync();
        runs.Add(await _gc.RunAsync());
        await GcProbe.PastGraceAsync();
        runs.Add(await _gc.RunAsync());

        var images = pushed.ToList();
        output.WriteLine($"{images.Count} images ({images.Count(i => i.Deleted)} deleted, {_slowPushes} pushed again after a stall past the grace period) in {pushSeconds:F1} s, {runs.Count} gc runs: " +
                         $"{runs.Sum(r => r.UnlinkedBlobs.Count)} unlinked, {runs.Sum(r => r.DeletedBlobs.Count)} deleted, " +
                         $"{runs.Sum(r => r.BytesReclaimed)} bytes reclaimed");
        Assert.True(images.Count >= Images / 2, $"only {images.Count} images pushed in {pushSeconds:F0} s");
        Assert.Contains(runs, r => r.DeletedBlobs.Count > 0);

        // Every image that was not deleted pulls back byte-identical: manifest and every blob.
        foreach (var image in images.Where(i => !i.Deleted))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v2/{image.Repo}/manifests/{image.Tag}");
            request.Headers.Accept.ParseAdd(OciManifest);
            using var response = await client.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(image.Manifest, await response.Content.ReadAsByteArrayAsync());
            foreach (var blob in image.Blobs)
                Assert.Equal(blobBytes[blob], await client.Http.GetByteArrayAsync($"/v2/{image.Repo}/blobs/{blob}"));
        }

        // The content store holds exactly the reachable blobs: what some manifest references, nothing more or less.
        var reachable = await _gc.ReachableAsync();
        var kept = images.Where(i => !i.Deleted).SelectMany(i => i.Blobs).ToHashSet();
        Assert.Subset(reachable, kept);
        var files = _gc.BlobFiles();
        Assert.Equal(reachable.Order(), files.Keys.Order());
        long expectedBytes = 0;
        foreach (var digest in reachable)
            expectedBytes += (await _gc.BlobAsync(digest))!.Size;
        Assert.Equal(expectedBytes, files.Values.Sum());

        // A deleted image's own blobs are gone from disk and from IPFS; the layers it shared stay, pinned.
        var gone = images.Where(i => i.Deleted).SelectMany(i => i.Blobs).Where(b => !kept.Contains(b)).ToHashSet();
        Assert.NotEmpty(gone);
        var goneCids = new List<string>();
        foreach (var digest in gone)
        {
            Assert.False(files.ContainsKey(digest), $"{digest} of a deleted image is still on disk");
            var record = await _gc.BlobAsync(digest);
            Assert.True(record is { Deleted: true }, $"{digest} is not recorded as deleted");
            if (record!.Cid is { } cid)
                goneCids.Add(cid);
        }
        var sharedKept = shared.Select(DigestOf).Where(kept.Contains).ToList();
        Assert.NotEmpty(sharedKept);
        var keptCids = (await _gc.Platform.WaitPinnedAsync(kept, TimeSpan.FromSeconds(60))).Values.ToList();
        await GcProbe.WaitUntilAsync(async () =>
        {
            var pins = await _gc.PinsAsync();
            return goneCids.All(c => !pins.Contains(c)) && keptCids.All(pins.Contains);
        }, TimeSpan.FromSeconds(60), "the deleted images' own blobs unpinned and the kept ones pinned");
    }
}
