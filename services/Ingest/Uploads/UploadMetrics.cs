using System.Diagnostics.Metrics;

namespace Platform.Ingest.Uploads;

/// <summary>
/// registry_storage_blob_upload_total and registry_storage_blob_upload_bytes_total: blobs whose upload completed
/// (monolithic or chunked; a mount moves no bytes and is not counted), the names registry dashboards chart.
/// </summary>
internal sealed class UploadMetrics
{
    public const string MeterName = "Platform.Ingest";

    private readonly Counter<long> _uploads;
    private readonly Counter<long> _bytes;

    public UploadMetrics(IMeterFactory meters, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        var meter = meters.Create(Platform.Hosting.Observability.Telemetry.ScopedMeterName(configuration, MeterName));
        _uploads = meter.CreateCounter<long>("registry.storage.blob.upload", description: "Blob uploads completed.");
        _bytes = meter.CreateCounter<long>("registry.storage.blob.upload.bytes", unit: "By", description: "Bytes of the blob uploads completed.");
    }

    public void Completed(long size)
    {
        _uploads.Add(1);
        _bytes.Add(size);
    }
}
