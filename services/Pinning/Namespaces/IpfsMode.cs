namespace Platform.Pinning.Namespaces;

/// <summary>How a namespace's blobs go to IPFS.</summary>
internal enum IpfsMode { Off, Encrypted, Public }

internal static class IpfsModes
{
    public const string Public = "public", Encrypted = "encrypted", Off = "off";

    public static string Name(this IpfsMode mode) => mode switch
    {
        IpfsMode.Public => Public,
        IpfsMode.Encrypted => Encrypted,
        _ => Off,
    };

    /// <summary>
    /// The mode a namespace's settings give: the explicit one, else public for a public namespace and encrypted for
    /// a private one. A mode this version does not know counts as encrypted: never more public than asked.
    /// </summary>
    public static IpfsMode Effective(bool isPublic, string? mode) => mode?.Trim().ToLowerInvariant() switch
    {
        null or "" => isPublic ? IpfsMode.Public : IpfsMode.Encrypted,
        Public => IpfsMode.Public,
        Off => IpfsMode.Off,
        _ => IpfsMode.Encrypted,
    };

    /// <summary>A namespace nobody has told Pinning about is private: its blobs are encrypted (fail safe).</summary>
    public const IpfsMode Unknown = IpfsMode.Encrypted;

    /// <summary>
    /// The rule for a blob linked from several namespaces (one IPFS copy serves them all): public if any of them is
    /// public-mode, since anyone may pull it there anyway; else encrypted if any is encrypted; else off. Null when
    /// nothing links it.
    /// </summary>
    public static IpfsMode? ForShared(IEnumerable<IpfsMode> linking)
    {
        IpfsMode? wanted = null;
        foreach (var mode in linking)
            if (wanted is null || mode > wanted)
                wanted = mode;
        return wanted;
    }

    /// <summary>What a BlobRecord's mode (null before modes existed: everything was pinned as it is) says.</summary>
    public static IpfsMode OfRecord(string? recorded) => recorded == Encrypted ? IpfsMode.Encrypted : IpfsMode.Public;
}
