using Platform.Audit.Log;

namespace Platform.UnitTests.Audit;

public sealed class AuditHashTests
{
    private static readonly AuditFields Fields = new(1, Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"),
        new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero).AddTicks(1234567), "alice", "127.0.0.1", "skopeo/1.9",
        "manifest.pushed", "team/app", "sha256:abc", "v1", "req-1");

    [Fact]
    public void Canonical_json_has_a_fixed_order_and_microsecond_utc_times()
    {
        Assert.Equal(
            """{"sequence":1,"eventId":"0f8fad5b-d9cb-469f-a165-70867728950e","occurredAt":"2026-11-22T10:00:00.123456+00:00","actor":"alice","clientAddress":"127.0.0.1","userAgent":"skopeo/1.9","action":"manifest.pushed","repository":"team/app","digest":"sha256:abc","tag":"v1","requestId":"req-1"}""",
            Fields.CanonicalJson());
    }

    [Fact]
    public void The_hash_is_sha256_of_previous_hash_and_canonical_json()
    {
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(AuditEntry.GenesisHash + Fields.CanonicalJson())));
        Assert.Equal(expected, AuditEntry.ComputeHash(AuditEntry.GenesisHash, Fields));
    }

    [Fact]
    public void Any_changed_field_or_previous_hash_changes_the_hash()
    {
        var original = AuditEntry.ComputeHash(AuditEntry.GenesisHash, Fields);
        Assert.NotEqual(original, AuditEntry.ComputeHash(AuditEntry.GenesisHash, Fields with { Actor = "mallory" }));
        Assert.NotEqual(original, AuditEntry.ComputeHash(AuditEntry.GenesisHash, Fields with { Sequence = 2 }));
        Assert.NotEqual(original, AuditEntry.ComputeHash(AuditEntry.GenesisHash, Fields with { Tag = null }));
        Assert.NotEqual(original, AuditEntry.ComputeHash(new string('1', 64), Fields));
    }

    [Fact]
    public void Sub_microsecond_differences_do_not_change_the_hash_because_postgres_does_not_keep_them()
    {
        var shifted = Fields with { OccurredAt = Fields.OccurredAt.AddTicks(-(Fields.OccurredAt.Ticks % 10)) };
        Assert.Equal(AuditEntry.ComputeHash(AuditEntry.GenesisHash, Fields), AuditEntry.ComputeHash(AuditEntry.GenesisHash, shifted));
    }
}
