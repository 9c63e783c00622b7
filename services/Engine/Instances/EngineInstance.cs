using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Platform.Candid;
using Platform.Engine.Canisters;
using Platform.Engine.Management;
using Platform.Engine.Outcalls;
using Platform.Engine.Subnets;

namespace Platform.Engine.Instances;

/// <summary>Where an ingress message stands: waiting to execute, or done with its result.</summary>
internal sealed record IngressStatus(CallResult? Result);

/// <summary>
/// An ingress message as a checkpoint sees it: done (its result), queued (the message, and a management canister
/// message's effective subnet) or started (neither: a canister holds its call context).
/// </summary>
internal sealed record IngressEntry(string Id, CallResult? Result, IngressMessage? Queued, Subnet? EffectiveSubnet);

/// <summary>
/// One PocketIC instance: its subnets, the shared clock, ingress messages and the management canister. Every
/// operation runs under the instance's gate (PocketIC serialises per instance too); inside a round the subnets
/// execute in parallel and what they produce is routed between rounds.
/// </summary>
internal sealed partial class EngineInstance : IDisposable
{
    /// <summary>PocketIC's initial time: the IC's genesis, 2021-05-06T19:17:10Z, in nanoseconds.</summary>
    public const ulong GenesisNanos = 1_620_328_630_000_000_000;

    /// <summary>PocketIC gives up awaiting an ingress message after this many rounds.</summary>
    public const int MaxAwaitRounds = 100;

    private readonly Queue<ManagementMessage> _managementInbox = new();
    private readonly Dictionary<string, IngressStatus> _ingress = [];
    private readonly ILogger _logger;
    private long _nonce;

    public EngineInstance(int id, IReadOnlyList<Subnet> subnets, CanisterExecutor executor, ILogger logger,
        System.Collections.Concurrent.ConcurrentDictionary<string, byte[]>? blobs = null)
    {
        Blobs = blobs;
        Id = id;
        Subnets = subnets;
        Executor = executor;
        _logger = logger;
        Management = new ManagementCanister(this);
    }

    public int Id { get; }

    /// <summary>The last nonce a message id hashed (kept by a persistent instance: ids after a restart stay new).</summary>
    public long Nonce { get => Interlocked.Read(ref _nonce); set => Interlocked.Exchange(ref _nonce, value); }

    /// <summary>Where this instance keeps its state (the persistent instance only; others live in memory).</summary>
    public Persistence.InstanceStore? Store { get; set; }

    /// <summary>Makes subnet number k of this instance (set by the registry, used for subnets made on demand).</summary>
    public Func<int, SubnetKind, CanisterRange?, Subnet>? SubnetFactory { get; init; }

    /// <summary>
    /// PocketIC creates a subnet when a canister is created with a mainnet id no subnet covers: the named subnet
    /// whose mainnet range holds it, else an application subnet with the range around the id.
    /// </summary>
    public Subnet AddSubnetFor(Principal canisterId)
    {
        if (SubnetFactory is null || !canisterId.TryGetCanisterIndex(out var index)) throw new InvalidOperationException("no subnet can be made for this id");
        var kind = InstanceRegistry.MainnetKindOf(index);
        if (kind is { } named && Subnets.Any(s => s.Kind == named))
        {
            throw new InvalidOperationException($"the {named} subnet exists but does not cover {canisterId}");
        }
        var subnet = kind is { } k
            ? SubnetFactory(Subnets.Count, k, null)
            : SubnetFactory(Subnets.Count, SubnetKind.Application, InstanceRegistry.AlignedRange(index));
        Subnets = [.. Subnets, subnet];
        LogSubnetAdded(subnet.Kind.ToString(), subnet.Id.ToString(), canisterId.ToString());
        return subnet;
    }

    /// <summary>The server's blob store (set_stable_memory reads from it).</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, byte[]>? Blobs { get; }
    public IReadOnlyList<Subnet> Subnets { get; private set; }
    public CanisterExecutor Executor { get; }
    public ManagementCanister Management { get; }

    /// <summary>Performs outcalls for real (the service's allow-list; loopback only unless set).</summary>
    public OutcallAdapter OutcallAdapter { get; init; } = OutcallAdapter.LoopbackOnly;

    /// <summary>The HTTPS outcalls the management canister accepted and that wait for their answer.</summary>
    public HttpOutcalls Outcalls => _outcalls ??= new HttpOutcalls(this, OutcallAdapter);
    private HttpOutcalls? _outcalls;
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>Nanoseconds since the epoch; moves forward by 1 ns per round and never backwards.</summary>
    public ulong Time { get; private set; } = GenesisNanos;

    public bool SetTime(ulong nanos, out string? error)
    {
        if (nanos < Time)
        {
            error = $"SettingTimeIntoPast(({Time}, {nanos}))";
            return false;
        }
        Time = nanos;
        error = null;
        return true;
    }

    /// <summary>The first Application subnet, else VerifiedApplication, System, then the first subnet (PocketIC's rule).</summary>
    public Subnet DefaultSubnet =>
        Subnets.FirstOrDefault(s => s.Kind == SubnetKind.Application)
        ?? Subnets.FirstOrDefault(s => s.Kind == SubnetKind.VerifiedApplication)
        ?? Subnets.FirstOrDefault(s => s.Kind == SubnetKind.System)
        ?? Subnets[0];

    public Principal DefaultEffectiveCanisterId => Principal.FromCanisterIndex(DefaultSubnet.Allocation.Start);

    public Subnet? FindSubnet(Principal subnetId) => Subnets.FirstOrDefault(s => s.Id == subnetId);

    public Canister? FindCanister(Principal canisterId)
    {
        foreach (var subnet in Subnets)
        {
            if (subnet.Canisters.TryGetValue(canisterId, out var canister)) return canister;
        }
        return null;
    }

    public Subnet? SubnetOf(Principal canisterId) => Subnets.FirstOrDefault(s => s.Canisters.ContainsKey(canisterId));

    /// <summary>Queues an ingress message; returns its 32-byte id. The caller checked that the receiver exists.</summary>
    public byte[] Submit(Principal sender, Principal receiver, string method, byte[] payload, Subnet? effectiveSubnet)
    {
        var nonce = Interlocked.Increment(ref _nonce);
        // The id hashes nonce, sender, receiver, method and payload, laid out in one buffer (on the stack for the
        // usual small message): an incremental hash object per message cost more than the hashing.
        var length = sizeof(long) + sender.Bytes.Length + receiver.Bytes.Length + System.Text.Encoding.UTF8.GetByteCount(method) + payload.Length;
        var rented = length > 1024 ? System.Buffers.ArrayPool<byte>.Shared.Rent(length) : null;
        var buffer = rented is null ? stackalloc byte[length] : rented.AsSpan(0, length);
        BitConverter.TryWriteBytes(buffer, nonce);
        var written = sizeof(long);
        sender.Bytes.CopyTo(buffer[written..]);
        written += sender.Bytes.Length;
        receiver.Bytes.CopyTo(buffer[written..]);
        written += receiver.Bytes.Length;
        written += System.Text.Encoding.UTF8.GetBytes(method, buffer[written..]);
        payload.CopyTo(buffer[written..]);
        var id = SHA256.HashData(buffer);
        if (rented is not null) System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        var key = Convert.ToHexStringLower(id);
        _ingress[key] = new IngressStatus(null);
        var message = new IngressMessage(key, sender, receiver, method, payload) { Trace = System.Diagnostics.Activity.Current?.Context ?? default };
        if (receiver.IsManagementCanister) _managementInbox.Enqueue(new ManagementIngress(message, effectiveSubnet));
        else SubnetOf(receiver)!.Inbox.Enqueue(message);
        return id;
    }

    /// <summary>Runs rounds until the message has a result (at most <see cref="MaxAwaitRounds"/>); null when it has none yet.</summary>
    public CallResult? Await(byte[] messageId, out bool known)
    {
        var key = Convert.ToHexStringLower(messageId);
        known = _ingress.ContainsKey(key);
        if (!known) return null;
        for (var round = 0; round <= MaxAwaitRounds; round++)
        {
            if (_ingress[key].Result is { } result)
            {
                _ingress.Remove(key);
                return result;
            }
            if (round < MaxAwaitRounds)
            {
                // Someone waits for a result: an outcall no mock answered yet and nobody can perform gets its reject.
                Outcalls.RefuseUnperformable();
                Tick();
            }
        }
        LogAwaitGaveUp(key, MaxAwaitRounds);
        return null;
    }

    /// <summary>
    /// Every ingress message whose result was not collected yet: the queued ones in queue order (the management
    /// canister's, then each subnet's), then the started and the done ones.
    /// </summary>
    public List<IngressEntry> IngressEntries()
    {
        var entries = new List<IngressEntry>();
        var queued = new HashSet<string>(StringComparer.Ordinal);
        foreach (var message in _managementInbox)
        {
            if (message is ManagementIngress { Message: var m } i && queued.Add(m.MessageId)) entries.Add(new IngressEntry(m.MessageId, null, m, i.EffectiveSubnet));
        }
        foreach (var subnet in Subnets)
        {
            foreach (var message in subnet.Inbox)
            {
                if (message is IngressMessage m && queued.Add(m.MessageId)) entries.Add(new IngressEntry(m.MessageId, null, m, null));
            }
        }
        foreach (var (id, status) in _ingress)
        {
            if (!queued.Contains(id)) entries.Add(new IngressEntry(id, status.Result, null, null));
        }
        return entries;
    }

    /// <summary>Puts back what <see cref="IngressEntries"/> gave (loading a checkpoint): queued messages are queued again, in order.</summary>
    public void RestoreIngress(IEnumerable<IngressEntry> entries)
    {
        foreach (var entry in entries)
        {
            _ingress[entry.Id] = new IngressStatus(entry.Result);
            if (entry.Queued is not { } message) continue;
            if (message.Receiver.IsManagementCanister) _managementInbox.Enqueue(new ManagementIngress(message, entry.EffectiveSubnet));
            else if (SubnetOf(message.Receiver) is { } subnet) subnet.Inbox.Enqueue(message);
            // Its canister is gone (it cannot be, as the checkpoint is whole; still, the client gets the IC's answer).
            else _ingress[entry.Id] = new IngressStatus(CallReject.CanisterNotFound(message.Receiver.ToString()));
        }
    }

    /// <summary>One round on every subnet.</summary>
    public void Tick()
    {
        var time = Time;
        FireTimersAndDeadlines(time);

        // The management canister touches canisters of any subnet, so it runs before the subnets start.
        var routed = new ExecutionOutput();
        Outcalls.Deliver(time, routed);
        for (var n = _managementInbox.Count; n > 0; n--)
        {
            Management.Execute(_managementInbox.Dequeue(), time, routed);
        }

        var outputs = new ExecutionOutput[Subnets.Count];
        RoundWorkers.Execute(Subnets, Executor, time, outputs);
        foreach (var output in outputs) routed.Append(output);

        Route(routed);
        Management.CompleteStops(routed = new ExecutionOutput());
        Route(routed);
        Time = time + 1;
    }

    private void FireTimersAndDeadlines(ulong time)
    {
        foreach (var subnet in Subnets)
        {
            foreach (var canister in subnet.Canisters.Values)
            {
                if (canister.GlobalTimer != 0 && canister.GlobalTimer <= time)
                {
                    canister.GlobalTimer = 0;
                    subnet.Inbox.Enqueue(new GlobalTimerTask(canister.Id));
                }
                // Serial, every round, for every canister: nothing is allocated unless a call has a deadline.
                if (canister.Callbacks.Count == 0) continue;
                foreach (var callback in canister.Callbacks.Values.Where(c => c.Deadline is { } d && d < time).ToList())
                {
                    // The response may still come; it will find no callback and be dropped.
                    canister.Callbacks[callback.Id] = callback with { Deadline = null };
                    subnet.Inbox.Enqueue(CanisterExecutor.DeadlineExpired(canister, callback));
                }
            }
        }
    }

    /// <summary>Delivers what a round produced: to subnets' inboxes, the management canister, or ingress senders.</summary>
    public void Route(ExecutionOutput output)
    {
        foreach (var (id, result) in output.IngressResults)
        {
            if (_ingress.ContainsKey(id)) _ingress[id] = new IngressStatus(result);
        }
        foreach (var message in output.Messages)
        {
            if (message.Receiver.IsManagementCanister && message is CanisterRequest request)
            {
                _managementInbox.Enqueue(new ManagementCall(request));
                continue;
            }
            var subnet = SubnetOf(message.Receiver);
            if (subnet is not null)
            {
                subnet.Inbox.Enqueue(message);
                continue;
            }
            if (message is CanisterRequest missing)
            {
                // No subnet hosts the callee: the caller's subnet answers for it.
                var reject = CallReject.CanisterNotFound(missing.Receiver.ToString());
                SubnetOf(missing.Sender)?.Inbox.Enqueue(new CanisterResponse(missing.Sender, missing.Receiver, missing.CallbackId, reject, missing.Cycles));
            }
            // A response for a canister that was deleted meanwhile has nowhere to go.
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Created a {Kind} subnet {Subnet} on demand for canister id {Canister}")]
    private partial void LogSubnetAdded(string kind, string subnet, string canister);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Ingress message {MessageId} did not complete within {Rounds} rounds")]
    private partial void LogAwaitGaveUp(string messageId, int rounds);

    public void Dispose()
    {
        foreach (var canister in Subnets.SelectMany(s => s.Canisters.Values)) canister.Sandbox?.Dispose();
        Store?.Dispose();
        Gate.Dispose();
    }
}
