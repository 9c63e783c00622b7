using Marten;
using Platform.Deploy.Environments;
using Platform.Deploy.Planning;
using Platform.Deploy.Releases;

namespace Platform.Deploy.Releases
{
    /// <summary>A release planned by <c>spec.autoHeal</c> to undo drift, naming the services that drifted.</summary>
    public sealed record ReleaseHealing(Guid ReleaseId, IReadOnlyList<string> Drifted);

    /// <summary>The environment's latest release is a heal (so applies and reconciliation wait for it like for any release).</summary>
    public sealed record EnvironmentHealing(string Namespace, string Environment, Guid ReleaseId);

    public sealed partial class ReleaseState
    {
        /// <summary>What planned the release when no person did: <see cref="Reconciliation.AutoHeal.Trigger"/>.</summary>
        public string? Trigger { get; set; }

        public void Apply(ReleaseHealing e) => Trigger = Reconciliation.AutoHeal.Trigger;
    }

    public sealed partial class EnvironmentState
    {
        public void Apply(EnvironmentHealing e) => LatestReleaseId = e.ReleaseId;
    }
}

namespace Platform.Deploy.Reconciliation
{
    /// <summary>
    /// <c>spec.autoHeal: true</c>: drift is undone by a release that puts the environment back to its last successful
    /// release, exactly (the digests and init arguments it recorded, not the file's selectors resolved again): a changed
    /// module is upgraded back (state kept), a stopped canister started, a missing one created and installed again (and
    /// the services whose init arguments name it upgraded, so they learn its new id). Like Argo CD's self-heal, it needs no
    /// approval, even in a protected environment: it restores the state the approvers already approved, and waiting for a
    /// vote would leave the drift running. It is planned by Deploy itself (the audit log's actor is system:deploy) and runs
    /// like any release (verified module hashes, rollback). A heal that fails is not retried for the same drift (it would
    /// fail the same way); new drift plans a new one.
    /// </summary>
    internal sealed partial class AutoHeal(IDocumentStore store, ReleaseRunner runner, ILogger<AutoHeal> logger)
    {
        public const string Trigger = "autoHeal";

        /// <summary>Whether the environment's drift should be healed now.</summary>
        public static bool Wanted(EnvironmentState env, ReleaseState? latest)
        {
            if (!env.AutoHeal || env.Deleted || env.Drift.Count == 0) return false;
            if (latest is null) return true;
            if (!ReleaseStatus.IsFinal(latest.Status)) return false;
            // A heal that failed is tried again only for drift newer than it.
            return latest.Trigger != Trigger || latest.Status == ReleaseStatus.Succeeded || env.Drift.Values.Any(d => d.At > latest.Steps[0].At);
        }

        /// <summary>The release that puts back what the last successful release left (drifted services only; the others: none).</summary>
        public static ReleasePlan Plan(EnvironmentState env)
        {
            var deployed = env.Deployed.Values.ToList();
            var missing = deployed.Where(d => env.Drift.GetValueOrDefault(d.Name)?.Kind == "missing").Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
            var services = deployed.Select(d =>
            {
                var kind = env.Drift.GetValueOrDefault(d.Name)?.Kind;
                var action = kind switch
                {
                    "missing" => PlanActions.CreateInstall,
                    "module-changed" => PlanActions.Upgrade,
                    "stopped" => PlanActions.Start,
                    _ when Placeholders.Named(d.Init).Any(missing.Contains) => PlanActions.Upgrade,
                    _ => PlanActions.None,
                };
                // The code the canister runs instead cannot be put back (Deploy has no copy): a failed heal restores the
                // recorded module again.
                return new ServicePlan(d.Name, action, d.Module, d.Selector, d.Digest, d.ModuleHash, d.Init,
                    action == PlanActions.CreateInstall && d.SubnetId.Length > 0 ? d.SubnetId : "any", null, d.Persistence,
                    action == PlanActions.CreateInstall ? null : d.CanisterId, d.Selector, d.Digest, d.ModuleHash, d.Init,
                    d.Replicas, d.Scaling, d.Sharding);
            }).ToList();
            var document = new EnvironmentDocument(env.Name, env.Namespace, false, null, true, [.. deployed.Select(d =>
                new ServiceSpec(d.Name, d.Module, d.Selector, d.Init, "any", null, d.Persistence, false, null, null, null))]);
            var order = Placeholders.InstallOrder(document, new List<FileProblem>());
            return new ReleasePlan([.. order.Select(n => services.First(s => s.Name == n))], order);
        }

        /// <summary>Records and queues the heal; false when the environment moved meanwhile (an apply: it decides).</summary>
        public async Task<bool> HealAsync(string stream, EnvironmentState env, CancellationToken ct)
        {
            var plan = Plan(env);
            var releaseId = Guid.NewGuid();
            var now = DateTimeOffset.UtcNow;
            try
            {
                await using var session = store.Session(Actor.System);
                session.Events.StartStream(Streams.Release(releaseId),
                    new ReleasePlanned(releaseId, env.Namespace, env.Name, plan.Services, plan.InstallOrder, false, null, false, Actor.System.Name, now),
                    new ReleaseHealing(releaseId, [.. env.Drift.Keys.Order(StringComparer.Ordinal)]));
                session.Events.Append(stream, env.Version + 1, new EnvironmentHealing(env.Namespace, env.Name, releaseId));
                await session.SaveChangesAsync(ct);
            }
            catch (Exception e) when (e is JasperFx.Events.EventStreamUnexpectedMaxEventIdException or JasperFx.ConcurrencyException)
            {
                return false;
            }
            LogHealing(env.Name, releaseId, string.Join(", ", env.Drift.Values.Select(d => $"{d.Service} {d.Kind}")));
            runner.Enqueue(releaseId);
            return true;
        }

        [LoggerMessage(EventId = 1323, Level = LogLevel.Warning, Message = "healing {Environment} with release {ReleaseId}: {Drift}")]
        private partial void LogHealing(string environment, Guid releaseId, string drift);
    }
}
