using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Platform.Gateway.Auth.Tokens;

/// <summary>
/// The ES256 keys that sign tokens, one PKCS#8 PEM file per key (mode 600) in the key directory, named by its kid
/// (the RFC 7638 thumbprint). The newest key signs; every key in the directory validates, so after a rotation
/// tokens signed with the previous key stay valid until it is removed. Keys are created on first start.
/// Gateways sharing the directory pick up each other's new keys: an unknown kid triggers a rescan (at most
/// every few seconds).
/// </summary>
internal sealed class SigningKeys
{
    private readonly string _directory;
    private readonly ILogger<SigningKeys> _logger;
    private readonly Lock _gate = new();
    private volatile IReadOnlyList<SigningKey> _keys = [];
    private DateTime _lastScan = DateTime.MinValue;

    public sealed record SigningKey(string Kid, ECDsaSecurityKey Key, DateTime CreatedUtc);

    public SigningKeys(IOptions<AuthOptions> options, IHostEnvironment environment, ILogger<SigningKeys> logger)
    {
        _logger = logger;
        _directory = options.Value.KeyDirectory is { Length: > 0 } dir
            ? Path.GetFullPath(dir, environment.ContentRootPath)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create),
                "platform", "gateway", "keys");
        Directory.CreateDirectory(_directory);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        lock (_gate)
        {
            Load();
            if (_keys.Count == 0)
                Create();
        }
    }

    public string Location => _directory;

    /// <summary>The key new tokens are signed with.</summary>
    public SigningKey Current => _keys[^1];

    public IReadOnlyList<SigningKey> All => _keys;

    /// <summary>The key named <paramref name="kid"/>, rescanning the directory when it is not known (another gateway rotated).</summary>
    public SigningKey? Find(string? kid)
    {
        if (string.IsNullOrEmpty(kid))
            return null;
        var key = _keys.FirstOrDefault(k => k.Kid == kid);
        if (key is not null)
            return key;
        lock (_gate)
        {
            if (DateTime.UtcNow - _lastScan > TimeSpan.FromSeconds(5))
                Load();
        }
        return _keys.FirstOrDefault(k => k.Kid == kid);
    }

    /// <summary>Adds a new key and signs with it from now on; the old keys keep validating.</summary>
    public SigningKey Rotate()
    {
        lock (_gate)
            return Create();
    }

    /// <summary>Removes a key that is not the current one: tokens it signed stop validating at once.</summary>
    public bool Remove(string kid)
    {
        lock (_gate)
        {
            if (_keys.Count == 0 || Current.Kid == kid || _keys.All(k => k.Kid != kid))
                return false;
            File.Delete(Path.Combine(_directory, kid + ".pem"));
            Load();
            return true;
        }
    }

    private SigningKey Create()
    {
        var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var key = new ECDsaSecurityKey(ecdsa);
        var kid = Base64UrlEncoder.Encode(key.ComputeJwkThumbprint());
        var path = Path.Combine(_directory, kid + ".pem");
        var pem = ecdsa.ExportPkcs8PrivateKeyPem();
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
            writer.Write(pem);
        AuthLog.SigningKeyCreated(_logger, kid, _directory);
        Load();
        return _keys.First(k => k.Kid == kid);
    }

    private void Load()
    {
        _lastScan = DateTime.UtcNow;
        var keys = new List<SigningKey>();
        foreach (var file in Directory.EnumerateFiles(_directory, "*.pem"))
        {
            try
            {
                var ecdsa = ECDsa.Create();
                ecdsa.ImportFromPem(File.ReadAllText(file));
                if (ecdsa.KeySize != 256)
                    continue;
                var key = new ECDsaSecurityKey(ecdsa);
                key.KeyId = Base64UrlEncoder.Encode(key.ComputeJwkThumbprint());
                keys.Add(new SigningKey(key.KeyId, key, File.GetLastWriteTimeUtc(file)));
            }
            catch (Exception ex) when (ex is CryptographicException or IOException or ArgumentException)
            {
                AuthLog.SigningKeyUnreadable(_logger, ex, file);
            }
        }
        _keys = keys.OrderBy(k => k.CreatedUtc).ThenBy(k => k.Kid, StringComparer.Ordinal).ToArray();
    }
}
