using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Platform.Ipfs;

/// <summary>
/// Parsing of Kubo RPC answers, kept apart from HTTP so it can be unit-tested. Kubo and js-ipfs differ in details
/// (numbers as JSON strings or numbers, extra fields such as "Mode"), so everything here reads leniently.
/// </summary>
internal static class KuboResponses
{
    /// <summary>
    /// /api/v0/add answers newline-delimited JSON: progress objects (only "Name" and "Bytes") when progress is on,
    /// then one object per added file or directory. The file we sent is the last object with a Hash whose Name is
    /// our file name; failing that, the last object with a Hash.
    /// </summary>
    public static IpfsAddResult ParseAdd(string body, string fileName)
    {
        IpfsAddResult? byName = null, last = null;
        foreach (var line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) continue;
            // Kubo can report an error inside a 200 stream (e.g. trailer-less failure): surface it.
            if (GetString(root, "Type") == "error" && GetString(root, "Message") is { } error)
                throw new KuboException("add", HttpStatusCode.OK, error, GetInt64(root, "Code") is { } c ? (int)c : null);
            if (GetString(root, "Hash") is not { Length: > 0 } hash) continue;

            var name = GetString(root, "Name") ?? "";
            var result = new IpfsAddResult(hash, GetInt64(root, "Size") ?? 0, name);
            last = result;
            if (name == fileName) byName = result;
        }

        return byName ?? last
            ?? throw new KuboException("add", HttpStatusCode.OK, $"add returned no CID: {Truncate(body)}");
    }

    public static IpfsNodeId ParseId(string body)
    {
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        var addresses = root.TryGetProperty("Addresses", out var a) && a.ValueKind == JsonValueKind.Array
            ? a.EnumerateArray().Select(x => x.GetString()).OfType<string>().ToArray()
            : [];
        return new IpfsNodeId(
            GetString(root, "ID") ?? throw new KuboException("id", HttpStatusCode.OK, $"id returned no ID: {Truncate(body)}"),
            GetString(root, "AgentVersion"),
            addresses);
    }

    public static IpfsRepoStat ParseRepoStat(string body)
    {
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        return new IpfsRepoStat(
            GetInt64(root, "RepoSize") ?? 0,
            GetInt64(root, "StorageMax") ?? 0,
            GetInt64(root, "NumObjects") ?? 0,
            GetString(root, "RepoPath"),
            GetString(root, "Version"));
    }

    /// <summary>/api/v0/block/stat: <c>{"Key": "...", "Size": 12}</c>.</summary>
    public static long ParseBlockStatSize(string body)
    {
        using var doc = JsonDocument.Parse(body);
        return GetInt64(doc.RootElement, "Size")
            ?? throw new KuboException("block/stat", HttpStatusCode.OK, $"block/stat returned no Size: {Truncate(body)}");
    }

    /// <summary>
    /// /api/v0/pin/ls without stream: <c>{"Keys": {"Qm...": {"Type": "recursive"}}}</c>. Also accepts the streamed
    /// form (one <c>{"Cid": "...", "Type": "..."}</c> per line) should a node send it.
    /// </summary>
    public static IReadOnlyCollection<string> ParsePinLs(string body)
    {
        var cids = new List<string>();
        foreach (var line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) continue;
            if (root.TryGetProperty("Keys", out var keys) && keys.ValueKind == JsonValueKind.Object)
                cids.AddRange(keys.EnumerateObject().Select(p => p.Name));
            else if (GetString(root, "Cid") is { } cid)
                cids.Add(cid);
        }
        return cids;
    }

    /// <summary>The error body <c>{"Message": "...", "Code": 0, "Type": "error"}</c>; anything else is kept verbatim.</summary>
    public static KuboException ParseError(string endpoint, HttpStatusCode status, string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object && GetString(root, "Message") is { } message)
                return new KuboException(endpoint, status, message, GetInt64(root, "Code") is { } c ? (int)c : null);
        }
        catch (JsonException)
        {
        }
        var text = string.IsNullOrWhiteSpace(body) ? $"HTTP {(int)status} {status}" : Truncate(body.Trim());
        return new KuboException(endpoint, status, text);
    }

    private static string? GetString(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>Kubo sends uint64 numbers; js-ipfs sends some of them as strings. Read both; clamp what exceeds long.</summary>
    internal static long? GetInt64(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var v)) return null;
        switch (v.ValueKind)
        {
            case JsonValueKind.Number:
                if (v.TryGetInt64(out var l)) return l;
                if (v.TryGetUInt64(out _)) return long.MaxValue;
                return v.TryGetDouble(out var d) ? (long)Math.Min(d, long.MaxValue) : null;
            case JsonValueKind.String:
                var s = v.GetString();
                if (long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ls)) return ls;
                if (ulong.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)) return long.MaxValue;
                return null;
            default:
                return null;
        }
    }

    private static string Truncate(string s) => s.Length <= 300 ? s : s[..300] + "...";
}
