using Marten;
using Platform.Candid;
using Platform.Deploy.Engine;
using Platform.Deploy.Releases;
using Platform.Engine.Client;

namespace Platform.Deploy.Registry;

/// <summary>
/// Keeps an environment's registry canister up to date: one <c>set</c> call with the whole service -> canister ids
/// map, so canisters never see half of a change. Releases publish through it after they succeed or roll back, and
/// so does whatever else changes the replicas of a service.
/// </summary>
internal sealed partial class RegistrySync(IDocumentStore store, EngineConnection engine, ILogger<RegistrySync> logger)
{
    private static readonly CandidType Entries = CandidType.Vec(CandidType.Tuple(CandidType.Text, CandidType.Vec(CandidType.Principal)));

    // One set at a time per Deploy, so two publishers cannot interleave their calls to one registry.
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>
    /// Replaces the registry's map of <paramref name="environment"/> with <paramref name="services"/> (service name ->
    /// canister ids, textual; replicas in order, or shards by number). The registry lists itself: an entry
    /// <see cref="RegistryCanister.ServiceName"/> names the canister to call (during a release, before the environment
    /// records it); without one, the environment's deployed registry is used and added to the map.
    /// </summary>
    /// <exception cref="InvalidOperationException">The environment runs no registry, or an id is not a principal.</exception>
    /// <exception cref="CanisterRejectedException">The registry refused the map.</exception>
    public async Task PublishAsync(string environment, IReadOnlyDictionary<string, IReadOnlyList<string>> services, CancellationToken cancellationToken)
    {
        var map = new SortedDictionary<string, IReadOnlyList<string>>(services.ToDictionary(), StringComparer.Ordinal);
        if (!map.TryGetValue(RegistryCanister.ServiceName, out var own))
        {
            await using var session = store.QuerySession();
            var state = await session.Events.AggregateStreamAsync<EnvironmentState>(Streams.Environment(environment), token: cancellationToken);
            var deployed = state is { Deleted: false } ? state.Deployed.GetValueOrDefault(RegistryCanister.ServiceName) : null;
            own = map[RegistryCanister.ServiceName] = deployed is null
                ? throw new InvalidOperationException($"{environment} runs no registry canister")
                : [deployed.CanisterId];
        }
        if (own.Count != 1)
            throw new InvalidOperationException($"the registry of {environment} is one canister, not {own.Count}");
        var registry = Id(own[0]);
        var payload = CandidBinary.Encode(Entries, CandidValue.Vec(map.Select(e =>
            CandidValue.Tuple(CandidValue.Text(e.Key), CandidValue.Vec(e.Value.Select(id => CandidValue.Principal(Id(id)))))).ToList()));

        var instance = await engine.InstanceAsync(cancellationToken);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var outcome = await instance.UpdateCallAsync(new CanisterCall(engine.Controller, registry, "set", payload), cancellationToken);
            outcome.ReplyOrThrow($"set on the registry of {environment}");
        }
        finally
        {
            _gate.Release();
        }
        LogPublished(environment, registry.ToString(), map.Count);
    }

    /// <summary>What a successful release leaves the environment running, as the registry's map.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> MapOf(IEnumerable<DeployedServiceState> services) =>
        services.ToDictionary(s => s.Name, IReadOnlyList<string> (s) => [s.CanisterId], StringComparer.Ordinal);

    private static Principal Id(string text) =>
        Principal.TryParse(text, out var id) ? id : throw new InvalidOperationException($"'{text}' is not a canister id");

    [LoggerMessage(EventId = 1331, Level = LogLevel.Information, Message = "published {Count} services of {Environment} to its registry {Registry}")]
    private partial void LogPublished(string environment, string registry, int count);
}
