namespace Platform.Scaler;

/// <summary>How the service runs the policy (section "Scaler", beside the policy's own settings).</summary>
internal sealed class ScalerServiceOptions
{
    /// <summary>The engine instance whose load is scaled for (the long-lived one is "platform").</summary>
    public string EngineInstance { get; set; } = "platform";

    /// <summary>How often every service is decided for; the engine samples every few seconds.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);
}
