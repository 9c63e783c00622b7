using Marten;
using Platform.Deploy.Environments;

namespace Platform.Deploy.Releases;

public static class ReleaseStatus
{
    public const string Planned = "planned";
    public const string AwaitingApproval = "awaiting-approval";
    public const string Approved = "approved";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string RolledBack = "rolled-back";
    public const string Cancelled = "cancelled";

    public static bool IsFinal(string status) => status is Succeeded or Failed or RolledBack or Cancelled;
}

public sealed record Vote(string Approver, string Decision, string? Comment, DateTimeOffset At);

public sealed record ReleaseStep(string Status, DateTimeOffset At);

/// <summary>A release, aggregated live from its stream.</summary>
public sealed partial class ReleaseState
{
    public string Id { get; set; } = "";
    /// <summary>The stream's version (Marten sets it), for appends that must not race a vote or the runner.</summary>
    public long Version { get; set; }
    public Guid ReleaseId { get; set; }
    public string Namespace { get; set; } = "";
    public string Environment { get; set; } = "";
    public string Status { get; set; } = ReleaseStatus.Planned;
    public List<ServicePlan> Services { get; set; } = [];
    public List<string> InstallOrder { get; set; } = [];
    public bool Protected { get; set; }
    public bool DeletesEnvironment { get; set; }
    public string PlannedBy { get; set; } = "";
    public ApprovalPolicy? Approvals { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public List<Vote> Votes { get; set; } = [];
    public List<ReleaseStep> Steps { get; set; } = [];
    public Dictionary<string, string> CreatedCanisters { get; set; } = [];
    public List<string> Installed { get; set; } = [];
    public List<string> RolledBack { get; set; } = [];
    public string? Reason { get; set; }

    public void Apply(ReleasePlanned e)
    {
        ReleaseId = e.ReleaseId;
        Namespace = e.Namespace;
        Environment = e.Environment;
        Services = [.. e.Services];
        InstallOrder = [.. e.InstallOrder];
        Protected = e.Protected;
        Approvals = e.Approvals;
        DeletesEnvironment = e.DeletesEnvironment;
        PlannedBy = e.PlannedBy;
        Step(ReleaseStatus.Planned, e.PlannedAt);
    }

    public void Apply(ReleaseAwaitingApproval e)
    {
        ExpiresAt = e.ExpiresAt;
        Step(ReleaseStatus.AwaitingApproval, Steps[^1].At);
    }

    public void Apply(ApprovalVoted e) => Votes.Add(new Vote(e.Approver, e.Vote, e.Comment, e.At));
    public void Apply(ReleaseApproved e) => Step(ReleaseStatus.Approved, e.At);
    public void Apply(ReleaseCancelled e) { Reason = e.Reason; Step(ReleaseStatus.Cancelled, e.At); }
    public void Apply(ReleaseStarted e) => Step(ReleaseStatus.Running, e.At);
    public void Apply(ServiceCanisterCreated e) => CreatedCanisters[e.Service] = e.CanisterId;
    public void Apply(ServiceInstalled e) => Installed.Add(e.Service);
    public void Apply(ReleaseSucceeded e) => Step(ReleaseStatus.Succeeded, e.At);
    public void Apply(ReleaseFailed e) { Reason = e.Reason; Step(ReleaseStatus.Failed, e.At); }
    public void Apply(ReleaseRolledBack e) { Reason = e.Reason; RolledBack = [.. e.RolledBack]; Step(ReleaseStatus.RolledBack, e.At); }

    private void Step(string status, DateTimeOffset at)
    {
        Status = status;
        Steps.Add(new ReleaseStep(status, at));
    }

    /// <summary>Distinct approvers who approved.</summary>
    public int ApprovalCount => Votes.Where(v => v.Decision == "approve").Select(v => v.Approver).Distinct().Count();
}

/// <summary>An environment, aggregated live from its stream (so <c>?at=</c> is the same aggregation up to a time).</summary>
public sealed partial class EnvironmentState
{
    /// <summary>
    /// Every environment that exists now (not deleted), by name, optionally of one namespace. Every declaration names
    /// its environment, so their distinct names are every environment there has been.
    /// </summary>
    public static async Task<List<EnvironmentState>> ExistingAsync(IQuerySession session, string? @namespace, CancellationToken ct)
    {
        var declared = await session.Events.QueryRawEventDataOnly<EnvironmentDeclared>().ToListAsync(ct);
        var names = declared.Where(d => @namespace is null || d.Namespace == @namespace).Select(d => d.Environment)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var environments = new List<EnvironmentState>();
        foreach (var name in names)
        {
            var env = await session.Events.AggregateStreamAsync<EnvironmentState>(Streams.Environment(name), token: ct);
            if (env is null || env.Deleted || (@namespace is not null && env.Namespace != @namespace)) continue;
            environments.Add(env);
        }
        return environments;
    }

    public string Id { get; set; } = "";
    /// <summary>The stream's version (Marten sets it), for appends that must not race a release.</summary>
    public long Version { get; set; }
    public string Namespace { get; set; } = "";
    public string Name { get; set; } = "";
    public string? File { get; set; }
    public bool AutoHeal { get; set; }
    public Guid? LatestReleaseId { get; set; }
    public Guid? LastSuccessfulReleaseId { get; set; }
    public Dictionary<string, DeployedServiceState> Deployed { get; set; } = [];
    public bool Deleted { get; set; }
    public Dictionary<string, DriftDetected> Drift { get; set; } = [];

    public void Apply(EnvironmentDeclared e)
    {
        Namespace = e.Namespace;
        Name = e.Environment;
        File = e.File;
        AutoHeal = e.AutoHeal;
        LatestReleaseId = e.ReleaseId;
        Deleted = false;
    }

    public void Apply(EnvironmentReleased e)
    {
        Namespace = e.Namespace;
        Name = e.Environment;
        LastSuccessfulReleaseId = e.ReleaseId;
        Deployed = e.Services.ToDictionary(s => s.Name);
        Drift.Clear();
    }

    public void Apply(EnvironmentReleaseEnded e) { }

    public void Apply(EnvironmentDeleted e)
    {
        Deleted = true;
        Deployed.Clear();
        Drift.Clear();
        LastSuccessfulReleaseId = e.ReleaseId;
    }

    public void Apply(DriftDetected e) => Drift[e.Service] = e;
}
