using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Platform.IntegrationTests.Infrastructure;
using Platform.Pinning.Keys;

namespace Platform.IntegrationTests.Pinning;

/// <summary>Pinning's key hierarchy in its schema, on a database of its own.</summary>
public sealed class KeyStoreTests
{
    private static KeyStore Store(NpgsqlDataSource source, byte[] master) => new(source, new MasterKey(master), NullLogger<KeyStore>.Instance);

    [Fact]
    public async Task Rotation_wraps_every_data_key_again_under_the_new_version_and_the_data_keys_stay_the_same()
    {
        await using var source = NpgsqlDataSource.Create(await TestDatabase.CreateAsync("keys"));
        var keys = Store(source, RandomNumberGenerator.GetBytes(32));
        await keys.EnsureSchemaAsync(CancellationToken.None);

        var digests = Enumerable.Range(0, 5).Select(i => $"sha256:{i:x64}").ToList();
        var before = new Dictionary<string, byte[]>();
        foreach (var digest in digests)
            before[digest] = (await keys.GetOrCreateAsync(digest, "team", CancellationToken.None)).DataKey;
        var other = await keys.GetOrCreateAsync("sha256:" + new string('f', 64), "other", CancellationToken.None);

        var rotated = await keys.RotateAsync("team", CancellationToken.None);
        Assert.Equal(new RotationResult("team", 2, 5), rotated);
        foreach (var digest in digests)
        {
            var after = (await keys.FindAsync(digest, CancellationToken.None))!;
            Assert.Equal(2, after.KeyVersion);
            Assert.Equal(before[digest], after.DataKey);
        }
        // Another namespace's keys are not touched.
        Assert.Equal(1, (await keys.FindAsync(other.Digest, CancellationToken.None))!.KeyVersion);
        Assert.Equal([1, 2], await keys.VersionsAsync("team", CancellationToken.None));

        // A second rotation goes on from there; a key created after it is wrapped by the newest version.
        Assert.Equal(3, (await keys.RotateAsync("team", CancellationToken.None)).Version);
        Assert.Equal(3, (await keys.GetOrCreateAsync("sha256:" + new string('e', 64), "team", CancellationToken.None)).KeyVersion);
    }

    [Fact]
    public async Task A_blob_keeps_its_first_data_key_even_when_asked_for_at_once_and_under_another_namespace()
    {
        await using var source = NpgsqlDataSource.Create(await TestDatabase.CreateAsync("keys"));
        var keys = Store(source, RandomNumberGenerator.GetBytes(32));
        await keys.EnsureSchemaAsync(CancellationToken.None);
        const string digest = "sha256:0000000000000000000000000000000000000000000000000000000000000abc";

        var all = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => keys.GetOrCreateAsync(digest, i % 2 == 0 ? "a" : "b", CancellationToken.None)));
        Assert.All(all, k => Assert.Equal(all[0].DataKey, k.DataKey));
        Assert.All(all, k => Assert.Equal(all[0].NoncePrefix, k.NoncePrefix));
        Assert.Equal(all[0].DataKey, (await keys.GetOrCreateAsync(digest, "c", CancellationToken.None)).DataKey);
    }

    [Fact]
    public async Task Another_master_key_is_refused_at_start_and_the_database_alone_unwraps_nothing()
    {
        var database = await TestDatabase.CreateAsync("keys");
        await using var source = NpgsqlDataSource.Create(database);
        var master = RandomNumberGenerator.GetBytes(32);
        var keys = Store(source, master);
        await keys.EnsureSchemaAsync(CancellationToken.None);
        var key = await keys.GetOrCreateAsync("sha256:" + new string('1', 64), "team", CancellationToken.None);

        var wrong = Store(source, RandomNumberGenerator.GetBytes(32));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => wrong.EnsureSchemaAsync(CancellationToken.None));
        Assert.Contains("master key", e.Message);
        await Assert.ThrowsAsync<CryptographicException>(() => wrong.FindAsync(key.Digest, CancellationToken.None));

        // No plaintext key is stored: neither the data key nor the namespace key appears in the tables.
        await using var command = source.CreateCommand("SELECT string_agg(encode(wrapped_key, 'hex'), '') FROM (SELECT wrapped_key FROM pinning.blob_keys UNION ALL SELECT wrapped_key FROM pinning.namespace_keys) k");
        var stored = (string)(await command.ExecuteScalarAsync())!;
        Assert.DoesNotContain(Convert.ToHexStringLower(key.DataKey), stored);

        // The right key still starts, and reads what it wrapped.
        await Store(source, master).EnsureSchemaAsync(CancellationToken.None);
        Assert.Equal(key.DataKey, (await Store(source, master).FindAsync(key.Digest, CancellationToken.None))!.DataKey);
    }
}
