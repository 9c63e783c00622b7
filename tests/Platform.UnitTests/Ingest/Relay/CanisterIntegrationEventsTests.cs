using JasperFx.Events;
using Platform.Contracts;
using Platform.Ingest.Relay;
using Platform.Registry.Events;

namespace Platform.UnitTests.Ingest.Relay;

public sealed class CanisterIntegrationEventsTests
{
    private const string Digest = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    private const string Hash = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";

    private static IPlatformEvent? Map<T>(T data) where T : notnull =>
        IntegrationEvents.From(new Event<T>(data) { Id = Guid.NewGuid(), Sequence = 7, Timestamp = DateTimeOffset.UnixEpoch });

    [Fact]
    public void A_pushed_version_is_published_with_its_branch_tag_commit_and_hash()
    {
        var pushed = Assert.IsType<CanisterVersionPushedV1>(Map(new CanisterVersionPushed("shop/ledger", Digest, "main", "v1", Commit, Hash,
            Digest, "application/wasm", 10, null, null, null, null, "alice")));
        Assert.Equal(("shop/ledger", Digest, "main", "v1", Commit, Hash),
            (pushed.Repository, pushed.Digest, pushed.Branch, pushed.Tag, pushed.Commit, pushed.ModuleHash));
    }

    [Fact]
    public void A_corrupted_version_is_published_with_what_its_bytes_hash_to()
    {
        var corrupted = Assert.IsType<CanisterVersionCorruptedV1>(Map(new CanisterVersionCorrupted("shop/ledger", Digest, Hash, "sha256:00")));
        Assert.Equal(("shop/ledger", Digest, Hash, "sha256:00"), (corrupted.Repository, corrupted.Digest, corrupted.ModuleHash, corrupted.Found));
    }

    [Fact]
    public void The_audit_line_names_the_version_as_a_selector_would()
    {
        Assert.Equal($"main:v1@{Commit}", Platform.Audit.Recording.AuditConsumer.CanisterVersionLine("main", "v1", Commit));
        Assert.Equal($"feature/x@{Commit}", Platform.Audit.Recording.AuditConsumer.CanisterVersionLine("feature/x", null, Commit));
    }
}
