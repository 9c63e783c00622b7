namespace Platform.Gateway.Auth;

/// <summary>
/// The gateway auth code's log messages, source-generated (no boxing, no parsing of the template per call), with
/// event ids kept in one table so that two features never share one: 11xx tokens and keys, 12xx accounts,
/// 13xx limits, 14xx access audit.
/// </summary>
internal static partial class AuthLog
{
    [LoggerMessage(1101, LogLevel.Information, "token signing keys in {Directory}; signing with {Kid}")]
    public static partial void SigningKeysReady(ILogger logger, string directory, string kid);

    [LoggerMessage(1102, LogLevel.Information, "created token signing key {Kid} in {Directory}")]
    public static partial void SigningKeyCreated(ILogger logger, string kid, string directory);

    [LoggerMessage(1103, LogLevel.Warning, "ignoring unreadable signing key file {File}")]
    public static partial void SigningKeyUnreadable(ILogger logger, Exception exception, string file);

    [LoggerMessage(1201, LogLevel.Warning, "no admin account exists and Auth:AdminPassword is not set: nobody can administer the registry")]
    public static partial void NoAdminPassword(ILogger logger);

    [LoggerMessage(1202, LogLevel.Information, "created the admin account \"admin\"")]
    public static partial void AdminCreated(ILogger logger);

    [LoggerMessage(1401, LogLevel.Warning, "audit queue full: dropped {Event}")]
    public static partial void AuditQueueFull(ILogger logger, string @event);
}
