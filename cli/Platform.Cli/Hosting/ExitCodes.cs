namespace Platform.Cli.Hosting;

/// <summary>
/// What the exit status means, so a script can tell a typo from an outage. Documented in the README (and in
/// `platform --help`); never renumbered.
/// </summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>Anything not covered below (a bug, an unexpected answer).</summary>
    public const int Failed = 1;
    /// <summary>The command line is wrong: unknown command or option, a missing argument, a bad value.</summary>
    public const int Usage = 2;
    /// <summary>Not logged in, wrong credentials, or not allowed (401, 403).</summary>
    public const int Unauthorized = 3;
    /// <summary>What was asked for does not exist (404).</summary>
    public const int NotFound = 4;
    /// <summary>The platform refused the request as invalid or conflicting (400, 409, 413, 422).</summary>
    public const int Rejected = 5;
    /// <summary>The platform cannot be reached or is failing (connection refused, timeout, 5xx): try again.</summary>
    public const int Unavailable = 6;
    /// <summary>A check ran and failed: `audit verify` found the chain broken.</summary>
    public const int CheckFailed = 7;
    /// <summary>A release ran and did not succeed: it failed, was rolled back, or was rejected or expired.</summary>
    public const int ReleaseFailed = 8;
    /// <summary>A release is recorded and waits for its approvers' votes (`platform release approve`).</summary>
    public const int AwaitingApproval = 9;
}

/// <summary>A failure the command reports as one line and an exit code (no stack trace).</summary>
internal sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
