using Platform.Hosting.Concurrency;

namespace Platform.Ingest.Uploads;

/// <summary>One request at a time per upload session in this process; the event stream's version guards across processes.</summary>
internal sealed class UploadLocks : KeyedLock<Guid>;
