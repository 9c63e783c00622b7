using System.Collections.Concurrent;
using Platform.Contracts;
using Platform.Scaler.Policy;

namespace Platform.Scaler.Signals;

/// <summary>
/// The engine's recent load, in memory: samples are measurements, not events (see <see cref="EngineLoadSampleV1"/>),
/// so a restart starts an empty window and the policy waits for it to fill. Per subnet the newest sample wins (a
/// repeated or late one, by its window end, changes nothing); per canister the points of the last
/// <see cref="ScalerOptions.LongWindow"/> are kept, which is all the policy reads.
/// </summary>
internal sealed class LoadWindow(ScalerOptions options, TimeProvider clock)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, EngineLoadSampleV1> _subnets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<LoadPoint>> _canisters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);

    /// <summary>Takes a sample; false when it is not newer than what this subnet already reported.</summary>
    public bool Add(EngineLoadSampleV1 sample)
    {
        var seconds = Math.Max((sample.WindowEnd - sample.WindowStart).TotalSeconds, 0.001);
        lock (_gate)
        {
            if (_subnets.TryGetValue(sample.SubnetId, out var known) && known.WindowEnd >= sample.WindowEnd)
                return false;
            _subnets[sample.SubnetId] = sample;
            var horizon = clock.GetUtcNow() - options.LongWindow - TimeSpan.FromMinutes(1);
            foreach (var load in sample.Canisters)
            {
                if (!_canisters.TryGetValue(load.CanisterId, out var points))
                    _canisters[load.CanisterId] = points = [];
                points.Add(new LoadPoint(sample.SubnetId, sample.WindowEnd, seconds, load));
                points.Sort((a, b) => a.At.CompareTo(b.At));
                points.RemoveAll(p => p.At < horizon);
            }
            return true;
        }
    }

    public IReadOnlyList<SubnetView> Subnets()
    {
        lock (_gate)
            return _subnets.Values.Select(s => new SubnetView(s.SubnetId, s.SubnetKind, s.WindowEnd,
                s.Canisters.Sum(c => c.InstructionsPerSecond))).OrderBy(s => s.SubnetId, StringComparer.Ordinal).ToList();
    }

    /// <summary>The points of these canisters (copies: the policy runs outside the lock).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<LoadPoint>> History(IEnumerable<string> canisters)
    {
        lock (_gate)
            return canisters.Where(_canisters.ContainsKey).Distinct()
                .ToDictionary(c => c, c => (IReadOnlyList<LoadPoint>)_canisters[c].ToList(), StringComparer.Ordinal);
    }

    /// <summary>The call graph of the latest sample of every subnet, and where every reported canister runs.</summary>
    public (IReadOnlyList<CallEdge> Calls, IReadOnlyDictionary<string, string> SubnetOf) Graph()
    {
        lock (_gate)
        {
            var calls = _subnets.Values.SelectMany(s => s.Calls).ToList();
            var where = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var s in _subnets.Values)
                foreach (var c in s.Canisters)
                    where[c.CanisterId] = s.SubnetId;
            return (calls, where);
        }
    }

    /// <summary>Every canister with points in the window.</summary>
    public IReadOnlyList<string> Canisters()
    {
        lock (_gate)
            return [.. _canisters.Where(c => c.Value.Count > 0).Select(c => c.Key)];
    }

    /// <summary>The newest point of a canister, for the state API.</summary>
    public LoadPoint? Latest(string canister)
    {
        lock (_gate)
            return _canisters.TryGetValue(canister, out var points) && points.Count > 0 ? points[^1] : null;
    }
}
