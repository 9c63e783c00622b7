using System.Globalization;
using System.Text.Json;

namespace Platform.Canisters;

/// <summary>
/// The artifact's config blob (<see cref="CanisterArtifact.ConfigMediaType"/>): which module this is, where it came
/// from, and the SHA-256 of its uncompressed bytes. <paramref name="Candid"/> is the service type, or null when the
/// module's own <c>candid:service</c> section is to be used.
/// </summary>
public sealed record CanisterConfig(
    string Name,
    string Branch,
    string? Tag,
    string Commit,
    string ModuleHash,
    string? Candid,
    string? Source,
    DateTimeOffset? Built,
    string? Builder);

/// <summary>A refusal naming the field it is about (<c>config.branch</c>, <c>layers[0]</c>, ...).</summary>
public sealed record CanisterInvalid(string Field, string Message);

public static class CanisterConfigReader
{
    /// <summary>
    /// The longest branch name: its tag form plus "-latest" must fit the 128 characters of an OCI tag.
    /// </summary>
    public const int MaxBranchLength = VersionTags.MaxTagLength - 7;

    /// <summary>Reads and checks a config blob; the refusal names the field.</summary>
    public static bool TryRead(ReadOnlySpan<byte> json, out CanisterConfig config, out CanisterInvalid? invalid)
    {
        config = null!;
        invalid = null;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 16, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            return Fail(out invalid, "config", $"the config is not valid JSON: {e.Message}");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return Fail(out invalid, "config", "the config must be a JSON object");

            if (!Text(root, "name", required: true, out var name, out invalid)
                || !Text(root, "branch", required: true, out var branch, out invalid)
                || !Text(root, "tag", required: false, out var tag, out invalid)
                || !Text(root, "commit", required: true, out var commit, out invalid)
                || !Text(root, "moduleHash", required: true, out var moduleHash, out invalid)
                || !Text(root, "candid", required: false, out var candid, out invalid)
                || !Text(root, "source", required: false, out var source, out invalid)
                || !Text(root, "built", required: false, out var builtText, out invalid)
                || !Text(root, "builder", required: false, out var builder, out invalid))
                return false;

            if (VersionTags.BranchProblem(branch!) is { } badBranch)
                return Fail(out invalid, "config.branch", badBranch);
            if (tag is not null && VersionTags.TagProblem(tag) is { } badTag)
                return Fail(out invalid, "config.tag", badTag);
            if (!VersionTags.IsCommit(commit!))
                return Fail(out invalid, "config.commit", "commit must be a full git object name: 40 or 64 lowercase hex digits");
            if (!IsSha256(moduleHash!))
                return Fail(out invalid, "config.moduleHash", "moduleHash must be sha256: followed by 64 lowercase hex digits");
            DateTimeOffset? built = null;
            if (builtText is not null)
            {
                if (!DateTimeOffset.TryParse(builtText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var b))
                    return Fail(out invalid, "config.built", "built must be an RFC 3339 time");
                built = b;
            }
            config = new CanisterConfig(name!, branch!, tag, commit!, moduleHash!, candid, source, built, builder);
            return true;
        }
    }

    public static bool IsSha256(string digest) =>
        digest.Length == 71 && digest.StartsWith("sha256:", StringComparison.Ordinal) && digest.AsSpan(7).IndexOfAnyExcept("0123456789abcdef") < 0;

    private static bool Text(JsonElement root, string property, bool required, out string? value, out CanisterInvalid? invalid)
    {
        value = null;
        invalid = null;
        if (!root.TryGetProperty(property, out var element) || element.ValueKind == JsonValueKind.Null)
            return !required || Fail(out invalid, $"config.{property}", $"{property} is required");
        if (element.ValueKind != JsonValueKind.String)
            return Fail(out invalid, $"config.{property}", $"{property} must be a string");
        value = element.GetString();
        if (required && string.IsNullOrEmpty(value))
            return Fail(out invalid, $"config.{property}", $"{property} must not be empty");
        return true;
    }

    private static bool Fail(out CanisterInvalid? invalid, string field, string message)
    {
        invalid = new CanisterInvalid(field, message);
        return false;
    }
}
