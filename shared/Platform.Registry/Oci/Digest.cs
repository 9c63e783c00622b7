using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Platform.Registry.Oci;

/// <summary>
/// A content digest <c>algorithm:encoded</c> (image-spec "Digests"). Only the registered algorithms a registry
/// can verify are accepted: sha256 and sha512, lowercase hex of their exact length. Anything else is refused up
/// front, so no stored key is ever ambiguous.
/// </summary>
public readonly partial record struct Digest(string Algorithm, string Encoded)
{
    public const string Sha256 = "sha256";
    public const string Sha512 = "sha512";

    [GeneratedRegex(@"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex Grammar();

    public static bool TryParse(string? text, out Digest digest, out string? error)
    {
        digest = default;
        if (string.IsNullOrEmpty(text) || text.Length > 200 || !Grammar().IsMatch(text))
        {
            error = "not of the form algorithm:encoded";
            return false;
        }
        var colon = text.IndexOf(':');
        var algorithm = text[..colon];
        var encoded = text[(colon + 1)..];
        var expectedLength = algorithm switch { Sha256 => 64, Sha512 => 128, _ => 0 };
        if (expectedLength == 0)
        {
            error = $"unsupported digest algorithm '{algorithm}' (sha256 and sha512 are)";
            return false;
        }
        if (encoded.Length != expectedLength || !IsLowerHex(encoded))
        {
            error = $"a {algorithm} digest is {expectedLength} lowercase hex characters";
            return false;
        }
        digest = new Digest(algorithm, encoded);
        error = null;
        return true;
    }

    public static Digest Compute(ReadOnlySpan<byte> content, string algorithm = Sha256) => algorithm switch
    {
        Sha256 => new Digest(Sha256, Convert.ToHexStringLower(SHA256.HashData(content))),
        Sha512 => new Digest(Sha512, Convert.ToHexStringLower(SHA512.HashData(content))),
        _ => throw new ArgumentException($"unsupported digest algorithm '{algorithm}'", nameof(algorithm)),
    };

    public static Digest Compute(byte[] content) => Compute(content.AsSpan());

    public static Digest Compute(byte[] content, string algorithm) => Compute(content.AsSpan(), algorithm);

    /// <summary>The digest a finished incremental hash of <paramref name="algorithm"/> stands for (it resets the hash).</summary>
    public static Digest FromHash(string algorithm, IncrementalHash hash) =>
        new(algorithm, Convert.ToHexStringLower(hash.GetHashAndReset()));

    public HashAlgorithmName HashAlgorithm => Algorithm == Sha512 ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256;

    public override string ToString() => $"{Algorithm}:{Encoded}";

    private static bool IsLowerHex(string s)
    {
        foreach (var c in s)
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
                return false;
        return true;
    }
}
