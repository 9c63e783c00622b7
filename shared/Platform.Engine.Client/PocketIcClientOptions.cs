namespace Platform.Engine.Client;

public sealed class PocketIcClientOptions
{
    /// <summary>How long one operation may take, retries and polling included (pic-js: 30 s).</summary>
    public TimeSpan ProcessingTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Pause between retries of a busy instance (409) and polls of a started operation (202); pic-js: 10 ms.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(10);
}
