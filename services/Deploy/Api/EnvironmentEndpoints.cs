using System.Text;
using Marten;
using Microsoft.Extensions.Options;
using Platform.Deploy.Approvals;
using Platform.Deploy.Environments;
using Platform.Deploy.Planning;
using Platform.Deploy.Registry;
using Platform.Deploy.Releases;
using Platform.Deploy.Scaling;

namespace Platform.Deploy.Api;

/// <summary>
/// <c>/api/v1/environments</c>: apply a file (plan, dry run, release), read an environment (now or <c>?at=</c>), its
/// services by name, its releases, vote on a release, delete it. Errors are problem+json; a file's problems name
/// the field path and, for syntax errors, line and column.
/// </summary>
internal static class EnvironmentEndpoints
{
    public static WebApplication MapEnvironments(this WebApplication app)
    {
        var group = app.MapGroup("/api/v1/environments");
        group.MapPut("/{env}", Apply);
        group.MapGet("/{env}", Read);
        group.MapDelete("/{env}", Delete);
        group.MapGet("/{env}/services/{service}", Discover);
        // Release ids are parsed by the handlers, not a route constraint: an id that is not one gets the same
        // problem+json 404 as an unknown release, not the router's empty 404.
        group.MapGet("/{env}/releases/{id}", ReadRelease);
        group.MapPost("/{env}/releases/{id}/approvals", Vote);
        // Not routed by the gateway: the gateway asks it which namespace's rules apply to a request.
        app.MapPost("/internal/environments/{env}/namespace", NamespaceOf);
        return app;
    }

    private static IResult FileProblems(EnvironmentFileException e) => Results.Problem(
        statusCode: e.Syntax ? StatusCodes.Status400BadRequest : StatusCodes.Status422UnprocessableEntity,
        title: e.Syntax ? "the environment file is not valid YAML or JSON" : "the environment file cannot be applied",
        detail: e.Message,
        extensions: new Dictionary<string, object?>
        {
            ["errors"] = e.Problems.Select(p => new { path = p.Path, message = p.Message, line = p.Line, column = p.Column }).ToList(),
        });

    private static IResult Problem(int status, string title, string? detail = null) => Results.Problem(statusCode: status, title: title, detail: detail);

    private static async Task<IResult> Apply(string env, HttpContext http, IDocumentStore store, ReleasePlanner planner, ReleaseRunner runner,
        IOptions<DeployOptions> options, TimeProvider time, bool? dryRun, string? reinstall, CancellationToken ct)
    {
        string text;
        using (var reader = new StreamReader(http.Request.Body, Encoding.UTF8))
        {
            var buffer = new char[options.Value.MaxFileBytes + 1];
            var read = await reader.ReadBlockAsync(buffer, ct);
            if (read > options.Value.MaxFileBytes)
                return Problem(StatusCodes.Status413PayloadTooLarge, "the environment file is too large", $"at most {options.Value.MaxFileBytes} bytes");
            text = new string(buffer, 0, read);
        }
        EnvironmentDocument document;
        try
        {
            document = EnvironmentFile.Parse(text);
        }
        catch (EnvironmentFileException e)
        {
            return FileProblems(e);
        }
        if (document.Name != env)
            return FileProblems(new EnvironmentFileException([new FileProblem("metadata.name", $"is {document.Name}, but the file was applied to {env}")]));

        var current = await LoadAsync<EnvironmentState>(store, Streams.Environment(env), ct);
        if (current is { Deleted: false } && current.Namespace != document.Namespace)
            return FileProblems(new EnvironmentFileException([new FileProblem("metadata.namespace", $"{env} belongs to namespace {current.Namespace}; it cannot move")]));

        var reinstallSet = (reinstall ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        ReleasePlan plan;
        try
        {
            plan = await planner.PlanAsync(document, current, reinstallSet, ct);
        }
        catch (EnvironmentFileException e)
        {
            return FileProblems(e);
        }
        catch (HttpRequestException e)
        {
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "the canister-modules API is unavailable", detail: e.Message);
        }

        if (dryRun == true)
            return Results.Ok(new { environment = env, @namespace = document.Namespace, dryRun = true, services = plan.Services, installOrder = plan.InstallOrder });

        if (await PendingReleaseAsync(store, current, time, ct) is { } pending)
            return Problem(StatusCodes.Status409Conflict, "a release of this environment is not finished", $"release {pending} is still {(await LoadReleaseAsync(store, pending, ct))?.Status}");

        var releaseId = Guid.NewGuid();
        var actor = Actor.Of(http);
        var now = time.GetUtcNow();
        await CancelExpiredAsync(store, current, now, ct);
        await using (var session = store.Session(actor))
        {
            var events = new List<object>
            {
                new ReleasePlanned(releaseId, document.Namespace, env, plan.Services, plan.InstallOrder, document.Protected, document.Approvals, false, actor.Name, now),
            };
            if (document.Protected)
                events.Add(new ReleaseAwaitingApproval(releaseId, now + document.Approvals!.ExpiresAfter));
            session.Events.StartStream(Streams.Release(releaseId), events.ToArray());
            session.Events.Append(Streams.Environment(env), new EnvironmentDeclared(document.Namespace, env, text, releaseId, document.AutoHeal));
            await session.SaveChangesAsync(ct);
        }
        if (!document.Protected) runner.Enqueue(releaseId);
        var location = $"/api/v1/environments/{env}/releases/{releaseId}";
        return Results.Accepted(location, ReleaseView(await LoadReleaseAsync(store, releaseId, ct)));
    }

    /// <summary>
    /// An existing environment's namespace, else the one the file (the body, for a PUT) names; 404 for neither. With
    /// it, the approvers its file names (those of its latest release too): they may vote, members or not.
    /// </summary>
    private static async Task<IResult> NamespaceOf(string env, HttpContext http, IDocumentStore store, CancellationToken ct)
    {
        var current = await LoadAsync<EnvironmentState>(store, Streams.Environment(env), ct);
        if (current is { Namespace.Length: > 0 } && !(current.Deleted && http.Request.ContentLength > 0))
        {
            var latest = current.LatestReleaseId is { } id ? await LoadReleaseAsync(store, id, ct) : null;
            var approvers = (current.File is { } file ? TryParse(file)?.Approvals?.Approvers ?? [] : [])
                .Union(latest?.Approvals?.Approvers ?? [], StringComparer.Ordinal).ToList();
            return Results.Ok(new { @namespace = current.Namespace, approvers });
        }
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(ct);
        return text.Length > 0 && TryParse(text) is { } document
            ? Results.Ok(new { @namespace = document.Namespace })
            : Problem(StatusCodes.Status404NotFound, $"environment {env} does not exist");
    }

    private static async Task<Guid?> PendingReleaseAsync(IDocumentStore store, EnvironmentState? current, TimeProvider time, CancellationToken ct)
    {
        if (current?.LatestReleaseId is not { } latest) return null;
        var release = await LoadReleaseAsync(store, latest, ct);
        if (release is null || ReleaseStatus.IsFinal(release.Status)) return null;
        if (ApprovalExpiry.HasExpired(release, time.GetUtcNow())) return null;
        return latest;
    }

    /// <summary>
    /// The latest release, expired while awaiting approval, is cancelled before a new one takes its place (the expiry
    /// loop only looks at latest releases, so it would never see it again).
    /// </summary>
    private static async Task CancelExpiredAsync(IDocumentStore store, EnvironmentState? current, DateTimeOffset now, CancellationToken ct)
    {
        if (current?.LatestReleaseId is not { } latest || await LoadReleaseAsync(store, latest, ct) is not { } release
            || !ApprovalExpiry.HasExpired(release, now))
            return;
        await using var session = store.Session(Actor.System);
        session.Events.Append(Streams.Release(latest), release.Version + 1, ApprovalExpiry.Cancellation(release, now));
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception e) when (e is JasperFx.Events.EventStreamUnexpectedMaxEventIdException or JasperFx.ConcurrencyException)
        {
            // The expiry loop (or a vote) got there first.
        }
    }

    private static async Task<IResult> Read(string env, IDocumentStore store, DateTimeOffset? at, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var state = await session.Events.AggregateStreamAsync<EnvironmentState>(Streams.Environment(env), timestamp: at, token: ct);
        if (state is null || (state.Deleted && at is null))
            return Problem(StatusCodes.Status404NotFound, $"environment {env} does not exist" + (at is null ? "" : $" at {at:O}"));
        var desired = state.File is null ? null : TryParse(state.File);
        return Results.Ok(new
        {
            name = state.Name,
            @namespace = state.Namespace,
            at,
            deleted = state.Deleted,
            latestRelease = state.LatestReleaseId,
            lastSuccessfulRelease = state.LastSuccessfulReleaseId,
            drift = state.Drift.Count > 0,
            services = (desired?.Services.Select(s => s.Name) ?? []).Union(state.Deployed.Keys).Order(StringComparer.Ordinal).Select(name =>
            {
                var want = desired?.Services.FirstOrDefault(s => s.Name == name);
                var have = state.Deployed.GetValueOrDefault(name);
                var drift = state.Drift.GetValueOrDefault(name);
                return new
                {
                    name,
                    desired = want is not null ? new { module = want.Module, selector = want.Selector, init = want.Init, subnet = want.Subnet }
                        // No file names the registry: every environment that is declared wants it.
                        : name == RegistryCanister.ServiceName && desired is not null ? new { module = RegistryCanister.ModuleName, selector = RegistryCanister.Selector, init = (string?)null, subnet = "any" }
                        : null,
                    actual = have is null ? null : ServiceView(have, drift),
                    drift = drift is not null,
                };
            }).ToList(),
        });
    }

    private static EnvironmentDocument? TryParse(string file)
    {
        try { return EnvironmentFile.Parse(file); }
        catch (EnvironmentFileException) { return null; }
    }

    private static object ServiceView(DeployedServiceState s, DriftDetected? drift) => new
    {
        name = s.Name,
        canisterIds = ServiceInstances.Of(s).Select(i => i.CanisterId).ToList(),
        instances = ServiceInstances.Of(s).Select(i => new { canisterId = i.CanisterId, subnetId = i.SubnetId, shard = i.Shard }).ToList(),
        moduleHash = s.ModuleHash,
        version = new { module = s.Module, selector = s.Selector, digest = s.Digest },
        status = drift is null ? "running" : drift.Kind,
        drift = drift is null ? null : new { kind = drift.Kind, expected = drift.Expected, actual = drift.Actual, detectedAt = drift.At },
    };

    private static async Task<IResult> Discover(string env, string service, IDocumentStore store, CancellationToken ct)
    {
        var state = await LoadAsync<EnvironmentState>(store, Streams.Environment(env), ct);
        if (state is null || state.Deleted) return Problem(StatusCodes.Status404NotFound, $"environment {env} does not exist");
        return state.Deployed.GetValueOrDefault(service) is { } s
            ? Results.Ok(ServiceView(s, state.Drift.GetValueOrDefault(service)))
            : Problem(StatusCodes.Status404NotFound, $"{env} runs no service {service}");
    }

    private static async Task<IResult> ReadRelease(string env, string id, IDocumentStore store, CancellationToken ct)
    {
        var release = Guid.TryParse(id, out var releaseId) ? await LoadReleaseAsync(store, releaseId, ct) : null;
        return release is null || release.Environment != env
            ? Problem(StatusCodes.Status404NotFound, $"{env} has no release {id}")
            : Results.Ok(ReleaseView(release));
    }

    internal sealed record VoteRequest(string? Vote, string? Comment);

    private static async Task<IResult> Vote(string env, string id, VoteRequest? body, HttpContext http, IDocumentStore store, ReleaseRunner runner,
        TimeProvider time, CancellationToken ct)
    {
        // Who votes is decided before what the vote says: a caller who may not vote learns nothing from a malformed body.
        var release = Guid.TryParse(id, out var releaseId) ? await LoadReleaseAsync(store, releaseId, ct) : null;
        if (release is null || release.Environment != env) return Problem(StatusCodes.Status404NotFound, $"{env} has no release {id}");
        var actor = Actor.Of(http);
        if (release.Approvals is not { } policy || !release.Protected)
            return Problem(StatusCodes.Status409Conflict, "this release needs no approvals");
        if (!policy.Approvers.Contains(actor.Name, StringComparer.Ordinal))
            return Problem(StatusCodes.Status403Forbidden, $"{actor.Name} is not an approver of {env}", $"approvers: {string.Join(", ", policy.Approvers)}");
        if (body?.Vote is not ("approve" or "reject"))
            return Problem(StatusCodes.Status400BadRequest, "vote must be \"approve\" or \"reject\"");
        if (body.Comment is { Length: > 2000 })
            return Problem(StatusCodes.Status400BadRequest, "the comment is longer than 2000 characters");

        var now = time.GetUtcNow();
        await using var session = store.Session(actor);
        if (ApprovalExpiry.HasExpired(release, now))
        {
            session.Events.Append(Streams.Release(releaseId), ApprovalExpiry.Cancellation(release, now));
            await session.SaveChangesAsync(ct);
            return Problem(StatusCodes.Status409Conflict, "the release expired before it was approved");
        }
        if (release.Status != ReleaseStatus.AwaitingApproval)
            return Problem(StatusCodes.Status409Conflict, $"the release is {release.Status}, not awaiting approval");
        if (release.Votes.Any(v => v.Approver == actor.Name))
            return Problem(StatusCodes.Status409Conflict, $"{actor.Name} has already voted on this release");

        var events = new List<object> { new ApprovalVoted(releaseId, release.Namespace, env, actor.Name, body.Vote, body.Comment, now) };
        var approve = false;
        if (body.Vote == "reject")
            events.Add(new ReleaseCancelled(releaseId, release.Namespace, env, $"rejected by {actor.Name}" + (body.Comment is { Length: > 0 } c ? $": {c}" : ""), now));
        else if (release.ApprovalCount + 1 >= policy.Required)
        {
            events.Add(new ReleaseApproved(releaseId, now));
            approve = true;
        }
        session.Events.Append(Streams.Release(releaseId), events.ToArray());
        await session.SaveChangesAsync(ct);
        if (approve) runner.Enqueue(releaseId);
        return Results.Ok(ReleaseView(await LoadReleaseAsync(store, releaseId, ct)));
    }

    private static async Task<IResult> Delete(string env, HttpContext http, IDocumentStore store, ReleaseRunner runner, TimeProvider time, CancellationToken ct)
    {
        var current = await LoadAsync<EnvironmentState>(store, Streams.Environment(env), ct);
        if (current is null || current.Deleted) return Problem(StatusCodes.Status404NotFound, $"environment {env} does not exist");
        if (await PendingReleaseAsync(store, current, time, ct) is { } pending)
            return Problem(StatusCodes.Status409Conflict, "a release of this environment is not finished", $"release {pending}");
        var declared = current.File is null ? null : TryParse(current.File);
        var plan = ReleasePlanner.Deletion(current);
        var releaseId = Guid.NewGuid();
        var actor = Actor.Of(http);
        var now = time.GetUtcNow();
        await CancelExpiredAsync(store, current, now, ct);
        var isProtected = declared?.Protected == true;
        await using (var session = store.Session(actor))
        {
            var events = new List<object> { new ReleasePlanned(releaseId, current.Namespace, env, plan.Services, [], isProtected, declared?.Approvals, true, actor.Name, now) };
            if (isProtected) events.Add(new ReleaseAwaitingApproval(releaseId, now + declared!.Approvals!.ExpiresAfter));
            session.Events.StartStream(Streams.Release(releaseId), events.ToArray());
            session.Events.Append(Streams.Environment(env), new EnvironmentDeclared(current.Namespace, env, current.File ?? "", releaseId, current.AutoHeal));
            await session.SaveChangesAsync(ct);
        }
        if (!isProtected) runner.Enqueue(releaseId);
        return Results.Accepted($"/api/v1/environments/{env}/releases/{releaseId}", ReleaseView(await LoadReleaseAsync(store, releaseId, ct)));
    }

    internal static object? ReleaseView(ReleaseState? r) => r is null ? null : new
    {
        id = r.ReleaseId,
        environment = r.Environment,
        @namespace = r.Namespace,
        status = r.Status,
        kind = r.Kind,
        scaling = r.Scaling,
        notRemoved = r.NotRemoved,
        plannedBy = r.PlannedBy,
        plannedAt = EnvironmentListEndpoints.PlannedAt(r),
        updatedAt = EnvironmentListEndpoints.UpdatedAt(r),
        changes = r.Services.Count(s => s.Action != PlanActions.None),
        deletesEnvironment = r.DeletesEnvironment,
        services = r.Services.Select(s => new { name = s.Name, action = s.Action, module = s.Module, selector = s.Selector, digest = s.Digest, moduleHash = s.ModuleHash, previousModuleHash = s.PreviousModuleHash, canisterId = s.CanisterId ?? r.CreatedCanisters.GetValueOrDefault(s.Name) }),
        installOrder = r.InstallOrder,
        approvals = r.Approvals is null ? null : new { required = r.Approvals.Required, approvers = r.Approvals.Approvers, expiresAt = r.ExpiresAt, votes = r.Votes },
        steps = r.Steps,
        installed = r.Installed,
        rolledBack = r.RolledBack,
        reason = r.Reason,
        resumes = r.Resumes,
        trigger = r.Trigger,
    };

    private static Task<ReleaseState?> LoadReleaseAsync(IDocumentStore store, Guid id, CancellationToken ct) => LoadAsync<ReleaseState>(store, Streams.Release(id), ct);

    private static async Task<T?> LoadAsync<T>(IDocumentStore store, string stream, CancellationToken ct) where T : class
    {
        await using var session = store.QuerySession();
        return await session.Events.AggregateStreamAsync<T>(stream, token: ct);
    }
}
