namespace Platform.Scaler;

/// <summary>How the service runs the policy (section "Scaler", beside the policy's own settings).</summary>
internal sealed class ScalerServiceOptions
{
    /// <summary>The engine instance whose load is scaled for (the long-lived one is "platform").</summary>
    public string EngineInstance { get; set; } = "platform";

    /// <summary>How often every service is decided for; the engine samples every few seconds.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The least time between two catch-ups from Deploy's API after the one at start (triggered by load of a canister
    /// no known environment has), and the longest wait between retries while Deploy does not answer at start.
    /// </summary>
    public TimeSpan CatchUpInterval { get; set; } = TimeSpan.FromSeconds(30);
}
