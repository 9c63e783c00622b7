namespace Platform.Canisters;

public enum CanisterApiKind
{
    Module,
    Versions,
    Resolve,
    Wasm,
    Candid,
}

/// <summary>
/// A path below <c>/api/v1/canisters/</c>: <c>{name}</c>, <c>{name}/versions</c>, <c>{name}/resolve</c>,
/// <c>{name}/versions/{digest}/wasm</c> or <c>.../candid</c>. Names hold slashes, so the path is split from its end
/// (a digest has a ':', which no repository name can): the gateway routes and authorizes by the same split the
/// services answer by.
/// </summary>
public readonly record struct CanisterApiPath(string Name, CanisterApiKind Kind, string? Digest = null)
{
    public const string BasePath = "/api/v1/canisters";

    public static bool TryParse(string? path, out CanisterApiPath parsed)
    {
        parsed = default;
        path = path?.Trim('/');
        if (string.IsNullOrEmpty(path))
            return false;
        var parts = path.Split('/');
        if (parts.Length >= 4 && parts[^3] == "versions" && parts[^2].Contains(':') && parts[^1] is "wasm" or "candid")
        {
            parsed = new(string.Join('/', parts[..^3]), parts[^1] == "wasm" ? CanisterApiKind.Wasm : CanisterApiKind.Candid, parts[^2]);
            return true;
        }
        if (parts.Length >= 2 && parts[^1] is "versions" or "resolve")
        {
            parsed = new(string.Join('/', parts[..^1]), parts[^1] == "versions" ? CanisterApiKind.Versions : CanisterApiKind.Resolve);
            return true;
        }
        parsed = new(path, CanisterApiKind.Module);
        return true;
    }
}
