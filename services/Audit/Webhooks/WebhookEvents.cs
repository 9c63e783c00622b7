using System.Text.Json;
using Platform.Contracts;

namespace Platform.Audit.Webhooks;

/// <summary>
/// What a webhook is told, as a CloudEvents 1.0 event in structured mode (the whole event is the JSON body,
/// Content-Type application/cloudevents+json). Three kinds a subscription chooses from: push (a manifest pushed),
/// delete (a manifest deleted) and pull (a manifest served), each about one repository of the namespace.
/// </summary>
internal static class WebhookEvents
{
    public const string Push = "push", Delete = "delete", Pull = "pull";
    public static readonly IReadOnlyList<string> Kinds = [Push, Delete, Pull];
    private const string TypePrefix = "io.platform.registry.";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The namespace of a repository: its first path segment.</summary>
    public static string NamespaceOf(string repository) => repository.Split('/')[0];

    public static string Body(string kind, EventMetadata meta, string repository, object data) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["specversion"] = "1.0",
        ["id"] = meta.EventId.ToString(),
        ["source"] = $"/v2/{repository}",
        ["type"] = TypePrefix + kind,
        ["subject"] = repository,
        ["time"] = meta.OccurredAt,
        ["datacontenttype"] = "application/json",
        ["data"] = data,
    }, Json);

    public static (string Kind, string Repository, object Data)? From(IPlatformEvent e) => e switch
    {
        ManifestPushedV1 m => (Push, m.Repository, new
        {
            @namespace = NamespaceOf(m.Repository), repository = m.Repository, digest = m.Digest, mediaType = m.MediaType,
            size = m.Size, actor = m.Meta.Actor,
        }),
        ManifestDeletedV1 m => (Delete, m.Repository, new
        {
            @namespace = NamespaceOf(m.Repository), repository = m.Repository, digest = m.Digest, tags = m.RemovedTags,
            actor = m.Meta.Actor,
        }),
        ManifestPulledV1 m => (Pull, m.Repository, new
        {
            @namespace = NamespaceOf(m.Repository), repository = m.Repository, reference = m.Reference, digest = m.Digest,
            actor = m.Meta.Actor,
        }),
        _ => null,
    };
}
