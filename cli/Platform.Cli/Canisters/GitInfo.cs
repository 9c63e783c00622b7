using System.Diagnostics;

namespace Platform.Cli.Canisters;

/// <summary>Branch, exact tag, commit and origin of the git checkout in a directory, as the ICR CLI takes them.</summary>
internal sealed record GitInfo(string? Branch, string? Tag, string? Commit, string? Source)
{
    public static GitInfo Of(string directory) => new(
        Git(directory, "rev-parse", "--abbrev-ref", "HEAD") is { } b && b != "HEAD" ? b : null,
        Git(directory, "describe", "--tags", "--exact-match", "HEAD"),
        Git(directory, "rev-parse", "HEAD"),
        Git(directory, "config", "--get", "remote.origin.url"));

    /// <summary>git's answer, or null when git is missing, this is no checkout, or the question has no answer.</summary>
    private static string? Git(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments)
            start.ArgumentList.Add(a);
        try
        {
            using var git = Process.Start(start)!;
            var text = git.StandardOutput.ReadToEnd().Trim();
            git.StandardError.ReadToEnd();
            git.WaitForExit();
            return git.ExitCode == 0 && text.Length > 0 ? text : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
