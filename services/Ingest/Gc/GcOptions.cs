namespace Platform.Ingest.Gc;

public sealed class GcOptions
{
    public const string Section = "Gc";

    /// <summary>Scheduled runs; on-demand runs (POST /api/v1/admin/gc) work either way.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often a scheduled run starts (the first one an interval after Ingest starts).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long an unreferenced blob link, an unlinked blob or a file with no record is left alone. It is the window a
    /// client has between uploading a layer (or deleting an image) and putting the manifest that references the
    /// layer again; Harbor keeps two hours, the default here is one.
    /// </summary>
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromHours(1);

    /// <summary>An upload session with no accepted chunk (or start) for this long is ended and its file deleted.</summary>
    public TimeSpan UploadExpiry { get; set; } = TimeSpan.FromHours(24);
}
