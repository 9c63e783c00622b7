using System.Diagnostics;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Platform.IntegrationTests.Infrastructure;
using Platform.Ipfs;

namespace Platform.IntegrationTests.Ipfs;

/// <summary>
/// KuboClient against a real Kubo RPC node (PLATFORM_TEST_IPFS: Kubo, or the js-ipfs dev node of dev/ipfs-node).
/// Expected CIDs come from independent implementations: the well-known CID of "hello world\n" and Debian's
/// <c>ipfs_cid</c> (package ipfs-cid).
/// </summary>
public sealed class KuboClientTests
{
    private const string HelloWorldCid = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o";
    private static readonly byte[] HelloWorld = "hello world\n"u8.ToArray();

    private static KuboClient NewClient(string? url = null, TimeSpan? readTimeout = null)
    {
        var options = new KuboOptions
        {
            ApiUrl = url ?? TestServers.Ipfs,
            ReadTimeout = readTimeout ?? TimeSpan.FromSeconds(2),
            HealthCheckTimeout = TimeSpan.FromSeconds(2),
        };
        return new KuboClient(new HttpClient { BaseAddress = new Uri(options.ApiUrl), Timeout = TimeSpan.FromMinutes(5) },
            Options.Create(options));
    }

    [Fact]
    public async Task Hello_world_round_trip_with_pins()
    {
        var client = NewClient();

        var added = await client.AddAsync(new MemoryStream(HelloWorld), "hello.txt", pin: true);
        Assert.Equal(HelloWorldCid, added.Cid);
        // No assertion on Name: Kubo echoes the file name, js-ipfs the CID.
        Assert.True(added.Size >= HelloWorld.Length);

        await using (var stream = await client.CatAsync(HelloWorldCid))
        {
            Assert.NotNull(stream);
            Assert.Equal(HelloWorld, await ReadAllAsync(stream));
        }

        Assert.True(await client.IsPinnedAsync(HelloWorldCid));
        Assert.Contains(HelloWorldCid, await client.ListPinsAsync());
        Assert.Equal(20, await client.BlockStatSizeAsync(HelloWorldCid)); // 12 bytes + UnixFS/DAG-PB framing

        await client.PinRmAsync(HelloWorldCid);
        Assert.False(await client.IsPinnedAsync(HelloWorldCid));
        Assert.DoesNotContain(HelloWorldCid, await client.ListPinsAsync());
        await client.PinRmAsync(HelloWorldCid); // idempotent

        // The blocks are still there (no GC ran): pinning again needs no network.
        Assert.True(await client.PinAddAsync(HelloWorldCid));
        Assert.True(await client.IsPinnedAsync(HelloWorldCid));
        await client.PinRmAsync(HelloWorldCid);
    }

    [Fact]
    public async Task Multi_chunk_file_gets_the_same_cid_as_ipfs_cid_computes()
    {
        var client = NewClient();
        var bytes = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 12345); // 13 chunks of 256 KiB, the last partial
        var path = Path.Combine(Path.GetTempPath(), $"kubo-test-{Guid.NewGuid():N}.bin");
        await File.WriteAllBytesAsync(path, bytes);
        try
        {
            var expected = await IpfsCidV0Async(path);

            IpfsAddResult added;
            await using (var file = File.OpenRead(path))
                added = await client.AddAsync(file, "random.bin", pin: true);
            Assert.Equal(expected, added.Cid);
            Assert.True(added.Size > bytes.Length);

            // A stream of unknown length (an incoming request body): sent chunked, same CID.
            await using (var file = File.OpenRead(path))
                Assert.Equal(expected, (await client.AddAsync(new ForwardOnlyStream(file), "random.bin", pin: true)).Cid);

            await using (var stream = await client.CatAsync(added.Cid))
                Assert.Equal(bytes, await ReadAllAsync(stream!));

            // A range across a chunk boundary (256 KiB).
            const long offset = 262144 - 100;
            const long length = 1000;
            await using (var stream = await client.CatAsync(added.Cid, offset: offset, length: length))
                Assert.Equal(bytes.AsSpan((int)offset, (int)length).ToArray(), await ReadAllAsync(stream!));

            // Offset alone reads to the end.
            await using (var stream = await client.CatAsync(added.Cid, offset: bytes.Length - 10))
                Assert.Equal(bytes[^10..], await ReadAllAsync(stream!));

            Assert.True(await client.IsPinnedAsync(added.Cid));
            await client.PinRmAsync(added.Cid);
            Assert.False(await client.IsPinnedAsync(added.Cid));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Unknown_cid_is_not_found_within_the_read_timeout()
    {
        var client = NewClient(readTimeout: TimeSpan.FromSeconds(1));
        var unknown = RandomCidV0();

        var watch = Stopwatch.StartNew();
        Assert.Null(await client.CatAsync(unknown));
        Assert.Null(await client.BlockStatSizeAsync(unknown));
        Assert.False(await client.IsPinnedAsync(unknown));
        await client.PinRmAsync(unknown);
        Assert.False(await client.PinAddAsync(unknown, timeout: TimeSpan.FromSeconds(1)));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Id_and_repo_stat()
    {
        var client = NewClient();
        var id = await client.IdAsync();
        Assert.False(string.IsNullOrEmpty(id.Id));

        await client.AddAsync(new MemoryStream(HelloWorld), "hello.txt", pin: false);
        var stat = await client.RepoStatAsync();
        Assert.True(stat.RepoSize > 0);
        Assert.True(stat.NumObjects > 0);
    }

    [Fact]
    public async Task Health_check_is_healthy_against_the_node()
    {
        await using var provider = Provider(TestServers.Ipfs);
        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains("ready"));
        Assert.Equal(HealthStatus.Healthy, report.Entries["ipfs"].Status);
    }

    [Fact]
    public async Task Health_check_is_unhealthy_when_nothing_listens()
    {
        await using var provider = Provider($"http://127.0.0.1:{FreePort()}");
        var watch = Stopwatch.StartNew();
        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Unhealthy, report.Entries["ipfs"].Status);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Connection_failures_are_HttpRequestException()
    {
        var client = NewClient($"http://127.0.0.1:{FreePort()}");
        await Assert.ThrowsAsync<HttpRequestException>(() => client.IdAsync());
    }

    private static ServiceProvider Provider(string url)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Ipfs:ApiUrl"] = url,
                ["Ipfs:HealthCheckTimeout"] = "00:00:02",
            })
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddKuboClient(configuration);
        return services.BuildServiceProvider();
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    /// <summary>Debian's ipfs_cid prints {"CIDv0": "...", "CIDv1": "..."} on stdout (stats on stderr).</summary>
    private static async Task<string> IpfsCidV0Async(string path)
    {
        var start = new ProcessStartInfo("ipfs_cid") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(path);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("ipfs_cid not found: `apt-get install ipfs-cid` (Debian) computes the expected CIDs.", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"ipfs_cid failed: {await stderr}");
            using var json = JsonDocument.Parse(await stdout);
            return json.RootElement.GetProperty("CIDv0").GetString()!;
        }
    }

    /// <summary>A CIDv0 (base58btc sha2-256 multihash) of random bytes: valid, and on no node.</summary>
    private static string RandomCidV0()
    {
        var multihash = new byte[34];
        multihash[0] = 0x12; // sha2-256
        multihash[1] = 0x20; // 32 bytes
        SHA256.HashData(RandomNumberGenerator.GetBytes(64), multihash.AsSpan(2));
        return Base58(multihash);
    }

    private static string Base58(byte[] data)
    {
        const string alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
        var value = new BigInteger(data, isUnsigned: true, isBigEndian: true);
        var text = new StringBuilder();
        while (value > 0)
        {
            value = BigInteger.DivRem(value, 58, out var remainder);
            text.Insert(0, alphabet[(int)remainder]);
        }
        foreach (var b in data)
        {
            if (b != 0) break;
            text.Insert(0, '1');
        }
        return text.ToString();
    }

    /// <summary>Hides length and seeking, like an ASP.NET Core request body.</summary>
    private sealed class ForwardOnlyStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(buffer, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
