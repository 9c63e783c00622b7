using System.Text.Json;
using System.Text.Json.Nodes;

namespace Platform.Gateway.Namespaces;

/// <summary>A setting a request may name, set to a value or to null, or leave out (then it stays as it is).</summary>
internal readonly record struct Optional<T>(bool IsSet, T? Value)
{
    public static Optional<T> Unset => default;
    public static Optional<T> Of(T? value) => new(true, value);
}

/// <summary>
/// The settings a create or an update names: <c>public</c>, <c>ipfs</c> ("public", "encrypted", "off"; null: the
/// default for the namespace's visibility) and <c>quotaBytes</c> (null: unlimited). Parsed from the JSON by hand,
/// because an update must tell a field set to null (back to the default) from a field left out.
/// </summary>
internal sealed record NamespaceChange(bool? Public, Optional<string> IpfsMode, Optional<long?> QuotaBytes)
{
    public static readonly string[] IpfsModes = ["public", "encrypted", "off"];

    /// <summary>
    /// Reads the settings of <paramref name="body"/>; other fields are the caller's (e.g. "name") and ignored here.
    /// On failure: the field, the status (400 for a value of the wrong JSON type, 422 for a value out of range) and why.
    /// </summary>
    public static bool TryParse(JsonObject body, out NamespaceChange change, out (string Field, int Status, string Message) error)
    {
        change = new NamespaceChange(null, Optional<string>.Unset, Optional<long?>.Unset);
        error = default;
        bool? isPublic = null;
        if (body.TryGetPropertyValue("public", out var p))
        {
            if (p?.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
            {
                error = ("public", 400, "true or false");
                return false;
            }
            isPublic = p.GetValue<bool>();
        }

        var ipfs = Optional<string>.Unset;
        if (body.TryGetPropertyValue("ipfs", out var i))
        {
            if (i is null)
                ipfs = Optional<string>.Of(null);
            else if (i.GetValueKind() != JsonValueKind.String)
            {
                error = ("ipfs", 400, "a string: public, encrypted or off (or null for the default)");
                return false;
            }
            else if (!IpfsModes.Contains(i.GetValue<string>(), StringComparer.Ordinal))
            {
                error = ("ipfs", 422, "public, encrypted or off (or null for the default)");
                return false;
            }
            else
                ipfs = Optional<string>.Of(i.GetValue<string>());
        }

        var quota = Optional<long?>.Unset;
        if (body.TryGetPropertyValue("quotaBytes", out var q))
        {
            if (q is null)
                quota = Optional<long?>.Of(null);
            else if (q.GetValueKind() != JsonValueKind.Number || !q.AsValue().TryGetValue<long>(out var bytes))
            {
                error = ("quotaBytes", 400, "a whole number of bytes (or null for unlimited)");
                return false;
            }
            else if (bytes < 0)
            {
                error = ("quotaBytes", 422, "zero or more bytes (or null for unlimited)");
                return false;
            }
            else
                quota = Optional<long?>.Of(bytes);
        }
        change = new NamespaceChange(isPublic, ipfs, quota);
        return true;
    }
}
