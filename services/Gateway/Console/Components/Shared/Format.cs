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

    public static string CanisterHref(string name) => "/console/canisters/" + name;

    public static string CanisterVersionHref(string name, string digest) => $"/console/canisters/{name}/versions/{digest}";

    public static string EnvironmentHref(string env) => "/console/environments/" + Uri.EscapeDataString(env);

    public static string ReleaseHref(string env, Guid id) => $"{EnvironmentHref(env)}/releases/{id}";

    public static string TopologyHref(string env) => EnvironmentHref(env) + "/topology";

    /// <summary>A commit as git shows it short (12 digits); the full one goes in a title.</summary>
    public static string Commit(string commit) => commit.Length > 12 ? commit[..12] : commit;

    /// <summary>"2.4 s", "3 min 5 s": how long a step took.</summary>
    public static string Duration(TimeSpan span) => span.TotalSeconds < 60
        ? $"{span.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s"
        : span.TotalMinutes < 60 ? $"{(int)span.TotalMinutes} min {span.Seconds} s" : $"{(int)span.TotalHours} h {span.Minutes} min";

    /// <summary>A rate as people read it: 1.2 k, 3.4 M, 5.6 G.</summary>
    public static string Rate(double value) => Math.Abs(value) switch
    {
        >= 1e9 => (value / 1e9).ToString("0.0", CultureInfo.InvariantCulture) + " G",
        >= 1e6 => (value / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " M",
        >= 1e3 => (value / 1e3).ToString("0.0", CultureInfo.InvariantCulture) + " k",
        _ => value.ToString("0.#", CultureInfo.InvariantCulture),
    };

    /// <summary>A principal shortened to its first and last groups ("rrkah-…-cai"); the full one goes in a title.</summary>
    public static string Principal(string text) =>
        text.Split('-') is { Length: > 3 } groups ? $"{groups[0]}-…-{groups[^1]}" : text;
}
