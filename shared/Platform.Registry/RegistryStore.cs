using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Platform.Registry.ReadModels;
using Platform.Registry.Writing;

namespace Platform.Registry;

public static class RegistryStore
{
    /// <summary>
    /// The registry's events and read models. Every projection the OCI API reads is inline: it is written in the
    /// same transaction as the events, which is what makes pull-after-push consistent. The services that write
    /// (Ingest, Pinning, through <see cref="RegistryWriter"/>) and the one that reads (Metadata) register the same model.
    /// </summary>
    public static StoreOptions AddRegistry(this StoreOptions options)
    {
        options.Events.StreamIdentity = StreamIdentity.AsString;

        options.Projections.Add<UploadSessionProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<BlobRecordProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<RepositoryStateProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<ManifestRecordProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<CanisterModuleProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<ManifestPinProjection>(ProjectionLifecycle.Inline);

        options.Schema.For<ManifestRecord>()
            .Index(m => m.Repository)
            .Index(m => m.SubjectDigest);
        return options;
    }

    /// <summary>The one writer of the registry's streams; a singleton, because it holds this process's stream locks.</summary>
    public static IServiceCollection AddRegistryWriter(this IServiceCollection services) =>
        services.AddSingleton<RegistryWriter>();
}
