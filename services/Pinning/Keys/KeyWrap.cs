using System.Security.Cryptography;
using System.Text;

namespace Platform.Pinning.Keys;

/// <summary>
/// Wraps a key under another with AES-256-GCM: version byte 1 | random nonce (12) | ciphertext | tag (16). The
/// context (what the key is, for whom, which version) is the associated data, so a wrapped key copied to another
/// row (another namespace, blob or version) does not unwrap there.
/// </summary>
internal static class KeyWrap
{
    private const byte Version = 1;
    private const int NonceSize = 12, TagSize = 16;

    public static byte[] Wrap(ReadOnlySpan<byte> kek, ReadOnlySpan<byte> key, string context)
    {
        var wrapped = new byte[1 + NonceSize + key.Length + TagSize];
        wrapped[0] = Version;
        var nonce = wrapped.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(kek, TagSize);
        aes.Encrypt(nonce, key, wrapped.AsSpan(1 + NonceSize, key.Length), wrapped.AsSpan(1 + NonceSize + key.Length), Encoding.UTF8.GetBytes(context));
        return wrapped;
    }

    public static byte[] Unwrap(ReadOnlySpan<byte> kek, ReadOnlySpan<byte> wrapped, string context)
    {
        if (wrapped.Length < 1 + NonceSize + TagSize || wrapped[0] != Version)
            throw new CryptographicException($"wrapped key ({context}) has an unknown format");
        var length = wrapped.Length - 1 - NonceSize - TagSize;
        var key = new byte[length];
        using var aes = new AesGcm(kek, TagSize);
        try
        {
            aes.Decrypt(wrapped.Slice(1, NonceSize), wrapped.Slice(1 + NonceSize, length), wrapped[^TagSize..], key, Encoding.UTF8.GetBytes(context));
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new CryptographicException($"wrapped key ({context}) does not unwrap: another key wrapped it, or it was altered", e);
        }
        return key;
    }

    public static string NamespaceKeyContext(string ns, int version) => $"pinning/namespace-key/{ns}/{version}";

    public static string DataKeyContext(string digest, string ns, int version) => $"pinning/data-key/{digest}/{ns}/{version}";

    public const string MasterCheckContext = "pinning/master-check";
}
