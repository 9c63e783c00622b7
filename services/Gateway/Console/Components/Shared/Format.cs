using System.Globalization;

namespace Platform.Gateway.Console.Components.Shared;

/// <summary>How the console writes numbers and times: sizes in binary units, times in UTC ISO 8601.</summary>
internal static class Format
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB"];

    public static string Bytes(long bytes)
    {
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes.ToString(CultureInfo.InvariantCulture)} B" : $"{value.ToString("0.0", CultureInfo.InvariantCulture)} {Units[unit]}";
    }

    public static string Time(DateTimeOffset? time) =>
        time?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "–";

    public static string Number(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>"sha256:abcdef012345": enough of a digest to tell it apart on screen; the full one is in the title.</summary>
    public static string Short(string digest) =>
        digest.IndexOf(':') is var colon and > 0 && digest.Length > colon + 13 ? digest[..(colon + 13)] : digest;

    public static string RepositoryHref(string name) => "/console/repositories/" + name;

    public static string ManifestHref(string repository, string digest) => $"/console/repositories/{repository}/manifests/{digest}";
}
