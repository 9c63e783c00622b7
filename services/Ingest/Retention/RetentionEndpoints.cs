using System.Text.Json;
using System.Text.RegularExpressions;
using Platform.Hosting.Security;
using Platform.Registry.Writing;

namespace Platform.Ingest.Retention;

/// <summary>
/// <c>GET/PUT /api/v1/namespaces/{ns}/retention</c>: a namespace's retention rules, applied by every
/// garbage-collection run (<c>POST /api/v1/admin/gc[?dryRun=true]</c> reports what they take). Who may read or
/// change them is the gateway's rule (members read; owners, maintainers and admins write): Ingest knows names, not
/// roles. Where the gateway signs actors, an anonymous PUT is refused here too.
/// </summary>
public static partial class RetentionEndpoints
{
    public static WebApplicationBuilder AddRetention(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<RetentionStore>();
        builder.Services.AddSingleton<RetentionRunner>();
        return builder;
    }

    public static IEndpointRouteBuilder MapRetention(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/namespaces/{ns}/retention", async (string ns, RetentionStore store, CancellationToken ct) =>
        {
            if (!NamespaceName().IsMatch(ns))
                return InvalidNamespace();
            var stored = await store.GetAsync(ns, ct);
            // No row: no rules, nothing is deleted. Answered as such rather than 404, so a client can tell apart a
            // namespace without rules from a wrong path.
            return Results.Ok(stored is null ? Answer(ns, new RetentionRules(null, null), null, null) : Answer(stored));
        })
            .WithSummary("The namespace's retention rules (none: nothing is deleted).")
            .ProducesProblem(StatusCodes.Status400BadRequest);

        app.MapPut("/api/v1/namespaces/{ns}/retention", async (string ns, HttpContext http, RetentionStore store, CancellationToken ct) =>
        {
            var configuration = http.RequestServices.GetRequiredService<IConfiguration>();
            if (!string.IsNullOrEmpty(configuration[GatewayActor.KeySetting]) && http.User.Identity?.IsAuthenticated != true)
                return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "retention rules are for the namespace's owners and maintainers");
            if (!NamespaceName().IsMatch(ns))
                return InvalidNamespace();
            JsonElement body;
            try
            {
                body = await JsonSerializer.DeserializeAsync<JsonElement>(http.Request.Body, cancellationToken: ct);
            }
            catch (JsonException e)
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [$"not JSON: {e.Message}"] },
                    title: "invalid retention rules");
            }
            if (RetentionRules.Parse(body, out var problems) is not { } rules)
                return Results.ValidationProblem(problems, title: "invalid retention rules");
            var stored = await store.PutAsync(ns, rules, WriteContext.FromRequest(http).Actor, ct);
            return Results.Ok(Answer(stored));
        })
            .WithSummary("Sets the namespace's retention rules (owners and maintainers).")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden);
        return app;
    }

    private static object Answer(StoredRetention s) => Answer(s.Namespace, s.Rules, s.UpdatedAt, s.UpdatedBy);

    private static object Answer(string ns, RetentionRules rules, DateTimeOffset? updatedAt, string? updatedBy) => new
    {
        @namespace = ns,
        keepLastTags = rules.KeepLastTags,
        untaggedOlderThan = rules.UntaggedOlderThan,
        updatedAt,
        updatedBy,
    };

    private static IResult InvalidNamespace() => Results.ValidationProblem(
        new Dictionary<string, string[]> { ["namespace"] = ["lowercase letters and digits, separated by '.', '_' or '-'"] },
        title: "invalid namespace");

    [GeneratedRegex("^[a-z0-9]+(?:[._-][a-z0-9]+)*$")]
    private static partial Regex NamespaceName();
}
