namespace Platform.Gateway.Console;

/// <summary>The console's log messages, source-generated (event ids 17xx).</summary>
internal static partial class ConsoleLog
{
    [LoggerMessage(1701, LogLevel.Warning, "console: {Backend}{Path} failed")]
    public static partial void BackendFailed(ILogger logger, Exception exception, string backend, string path);

    [LoggerMessage(1702, LogLevel.Information, "console: {Account} logged in")]
    public static partial void LoggedIn(ILogger logger, string account);

    [LoggerMessage(1703, LogLevel.Information, "console: {Account} logged out")]
    public static partial void LoggedOut(ILogger logger, string account);
}
