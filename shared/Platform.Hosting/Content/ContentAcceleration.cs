namespace Platform.Hosting.Content;

/// <summary>
/// The headers of the gateway's accelerated blob downloads (the X-Accel-Redirect pattern). The gateway, when it
/// can read the content store, asks for it with <see cref="RequestHeader"/>; Ingest then decides as always
/// (per-repository existence, digest, headers) but answers with where the verified file is instead of its bytes,
/// and the gateway sends the file to the client itself: one copy of the bytes instead of two hops.
/// </summary>
public static class ContentAcceleration
{
    public const string RequestHeader = "X-Platform-Accel";
    public const string RequestValue = "content-store";

    /// <summary>The blob file's path relative to the content store's root (forward slashes).</summary>
    public const string PathHeader = "X-Platform-Accel-Path";

    /// <summary>The blob's length: the response itself carries no body.</summary>
    public const string LengthHeader = "X-Platform-Accel-Length";
}
