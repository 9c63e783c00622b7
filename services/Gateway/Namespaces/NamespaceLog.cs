namespace Platform.Gateway.Namespaces;

/// <summary>The namespace settings' and quotas' log messages: event ids 15xx (see AuthLog for the others).</summary>
internal static partial class NamespaceLog
{
    [LoggerMessage(1501, LogLevel.Warning, "namespace settings queue full: {Namespace} is published again with every namespace once the queue drains")]
    public static partial void SettingsQueueFull(ILogger logger, string @namespace);

    [LoggerMessage(1502, LogLevel.Information, "published the settings of {Count} namespaces ({Reason})")]
    public static partial void SettingsRepublished(ILogger logger, int count, string reason);

    [LoggerMessage(1503, LogLevel.Warning, "cannot read the namespaces to publish their settings; retrying")]
    public static partial void SettingsReadFailed(ILogger logger, Exception exception);

    [LoggerMessage(1504, LogLevel.Information, "refused a push to {Repository}: quota {Quota} bytes, usage {Usage} bytes, push {Incoming} bytes")]
    public static partial void OverQuota(ILogger logger, string repository, long quota, long usage, long incoming);

    [LoggerMessage(1505, LogLevel.Warning, "cannot check the quota of {Namespace}: {Why}")]
    public static partial void QuotaUnchecked(ILogger logger, string @namespace, string why);
}
