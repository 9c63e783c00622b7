using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.Audit.Log;

/// <summary>
/// One line of the audit log. <see cref="Hash"/> = SHA-256(previous hash + canonical JSON of the entry), so
/// changing, removing or reordering any row breaks every hash after it.
/// </summary>
internal sealed record AuditEntry(
    long Sequence,
    Guid EventId,
    DateTimeOffset OccurredAt,
    string Actor,
    string? ClientAddress,
    string? UserAgent,
    string Action,
    string? Repository,
    string? Digest,
    string? Tag,
    string? RequestId,
    string PreviousHash,
    string Hash)
{
    /// <summary>The hash that starts the chain.</summary>
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    public static string ComputeHash(string previousHash, AuditFields fields) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(previousHash + fields.CanonicalJson())));

    public AuditFields Fields => new(Sequence, EventId, OccurredAt, Actor, ClientAddress, UserAgent, Action, Repository, Digest, Tag, RequestId);
}

/// <summary>
/// The hashed content of an entry. Canonical JSON: these properties in this order, no whitespace, times in UTC
/// with microseconds (what PostgreSQL keeps), nulls written out. Never reorder or rename: old hashes depend on it.
/// </summary>
internal sealed record AuditFields(
    [property: JsonPropertyOrder(0)] long Sequence,
    [property: JsonPropertyOrder(1)] Guid EventId,
    [property: JsonPropertyOrder(2)] DateTimeOffset OccurredAt,
    [property: JsonPropertyOrder(3)] string Actor,
    [property: JsonPropertyOrder(4)] string? ClientAddress,
    [property: JsonPropertyOrder(5)] string? UserAgent,
    [property: JsonPropertyOrder(6)] string Action,
    [property: JsonPropertyOrder(7)] string? Repository,
    [property: JsonPropertyOrder(8)] string? Digest,
    [property: JsonPropertyOrder(9)] string? Tag,
    [property: JsonPropertyOrder(10)] string? RequestId)
{
    private static readonly JsonSerializerOptions Canonical = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = false,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string CanonicalJson() =>
        JsonSerializer.Serialize(this with { OccurredAt = TruncateToMicroseconds(OccurredAt) }, Canonical);

    public static DateTimeOffset TruncateToMicroseconds(DateTimeOffset t)
    {
        var utc = t.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - utc.Ticks % 10, TimeSpan.Zero);
    }
}
