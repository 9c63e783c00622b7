using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Platform.Registry.ReadModels;

namespace Platform.Registry;

public static class RegistryStore
{
    /// <summary>
    /// The registry's events and read models. Every projection the OCI API reads is inline: it is written in the
    /// same transaction as the events, which is what makes pull-after-push consistent. Ingest (the writer) and
    /// Metadata (the reader) register the same model.
    /// </summary>
    public static StoreOptions AddRegistry(this StoreOptions options)
    {
        options.Events.StreamIdentity = StreamIdentity.AsString;

        options.Projections.Add<UploadSessionProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<BlobRecordProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<RepositoryStateProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<ManifestRecordProjection>(ProjectionLifecycle.Inline);

        options.Schema.For<ManifestRecord>()
            .Index(m => m.Repository)
            .Index(m => m.SubjectDigest);
        return options;
    }
}
