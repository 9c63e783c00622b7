using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Platform.IntegrationTests.EndToEnd;

/// <summary>
/// A throwaway CA and a server certificate it signed for 127.0.0.1 and the given DNS names, written as PEM files
/// (ca.crt, server.crt, server.key) into <paramref name="directory"/>, for a gateway's Kestrel HTTPS endpoint.
/// </summary>
public sealed class TestCertificates
{
    public string CaCertificate { get; }
    public string ServerCertificate { get; }
    public string ServerKey { get; }

    public TestCertificates(string directory, params string[] dnsNames)
    {
        Directory.CreateDirectory(directory);
        var now = DateTimeOffset.UtcNow;

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Platform test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(2));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        foreach (var dns in dnsNames)
            names.AddDnsName(dns);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // positive, as Go's x509 wants it
        using var server = request.Create(ca, now.AddMinutes(-5), now.AddDays(1), serial);

        CaCertificate = Path.Combine(directory, "ca.crt");
        ServerCertificate = Path.Combine(directory, "server.crt");
        ServerKey = Path.Combine(directory, "server.key");
        File.WriteAllText(CaCertificate, ca.ExportCertificatePem());
        File.WriteAllText(ServerCertificate, server.ExportCertificatePem());
        File.WriteAllText(ServerKey, key.ExportPkcs8PrivateKeyPem());
    }
}
