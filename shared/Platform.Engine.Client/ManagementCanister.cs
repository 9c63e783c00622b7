using System.Numerics;
using System.Security.Cryptography;
using Platform.Candid;

namespace Platform.Engine.Client;

/// <summary>
/// The management canister (<c>aaaaa-aa</c>) through ingress messages, encoded as pic-js encodes them: every
/// <c>settings</c> field sent (empty unless set), <c>arg</c> as given, no <c>sender_canister_version</c>, and a
/// chunked install when module and argument exceed what one message carries.
/// </summary>
public sealed class ManagementCanister
{
    /// <summary>pic-js switches to the chunk store above this many bytes of module plus argument.</summary>
    public const int ChunkedInstallThreshold = 1_850_000;
    private const int ChunkSize = 1_000_000;
    private const int ConcurrentChunkUploads = 12;

    private readonly PocketIcInstance _instance;

    internal ManagementCanister(PocketIcInstance instance) => _instance = instance;

    /// <summary><c>provisional_create_canister_with_cycles</c>; on <paramref name="subnet"/> when given.</summary>
    /// <param name="cycles">Null: the server's default (PocketIC: 10^18... as pic-js sends none).</param>
    public async Task<Principal> CreateCanisterAsync(Principal sender, CanisterSettings? settings = null, BigInteger? cycles = null,
        Principal? subnet = null, Principal? specifiedId = null, CancellationToken cancellationToken = default)
    {
        var arg = CandidValue.Record(
            ("settings", CandidValue.Some(ManagementTypes.SettingsValue(settings ?? new CanisterSettings()))),
            ("amount", cycles is { } c ? CandidValue.Some(CandidValue.Nat(c)) : CandidValue.None),
            ("specified_id", specifiedId is { } id ? CandidValue.Some(CandidValue.Principal(id)) : CandidValue.None));
        var ep = subnet is { } s ? EffectivePrincipal.Subnet(s) : EffectivePrincipal.None;
        var reply = await CallAsync(sender, "provisional_create_canister_with_cycles", ManagementTypes.ProvisionalCreateArgs, arg, ep, cancellationToken).ConfigureAwait(false);
        return CandidBinary.Decode(reply, ManagementTypes.CanisterIdRecord).AsRecord()["canister_id"].AsPrincipal();
    }

    /// <summary><c>install_code</c> (or the chunk store and <c>install_chunked_code</c> for a large module).</summary>
    public async Task InstallCodeAsync(Principal sender, Principal canisterId, byte[] wasmModule, byte[] arg, InstallMode mode,
        CancellationToken cancellationToken = default)
    {
        if (wasmModule.Length + arg.Length > ChunkedInstallThreshold)
        {
            await InstallChunkedAsync(sender, canisterId, wasmModule, arg, mode, cancellationToken).ConfigureAwait(false);
            return;
        }
        var value = CandidValue.Record(
            ("arg", CandidValue.Blob(arg)),
            ("wasm_module", CandidValue.Blob(wasmModule)),
            ("mode", ManagementTypes.ModeValue(mode)),
            ("canister_id", CandidValue.Principal(canisterId)));
        await CallAsync(sender, "install_code", ManagementTypes.InstallCodeArgs, value, EffectivePrincipal.None, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CanisterStatus> CanisterStatusAsync(Principal sender, Principal canisterId, CancellationToken cancellationToken = default)
    {
        var reply = await CanisterIdCallAsync(sender, "canister_status", canisterId, cancellationToken).ConfigureAwait(false);
        return ManagementTypes.ReadStatus(CandidBinary.Decode(reply, ManagementTypes.CanisterStatusResult).AsRecord());
    }

    public Task StartCanisterAsync(Principal sender, Principal canisterId, CancellationToken cancellationToken = default) =>
        CanisterIdCallAsync(sender, "start_canister", canisterId, cancellationToken);

    public Task StopCanisterAsync(Principal sender, Principal canisterId, CancellationToken cancellationToken = default) =>
        CanisterIdCallAsync(sender, "stop_canister", canisterId, cancellationToken);

    /// <summary><c>delete_canister</c>: the canister must be stopped first (the IC's rule).</summary>
    public Task DeleteCanisterAsync(Principal sender, Principal canisterId, CancellationToken cancellationToken = default) =>
        CanisterIdCallAsync(sender, "delete_canister", canisterId, cancellationToken);

    /// <summary><c>uninstall_code</c>: the canister keeps its id and cycles, loses its module and state.</summary>
    public Task UninstallCodeAsync(Principal sender, Principal canisterId, CancellationToken cancellationToken = default) =>
        CanisterIdCallAsync(sender, "uninstall_code", canisterId, cancellationToken);

    public Task UpdateSettingsAsync(Principal sender, Principal canisterId, CanisterSettings settings, CancellationToken cancellationToken = default) =>
        CallAsync(sender, "update_settings", ManagementTypes.UpdateSettingsArgs,
            CandidValue.Record(("canister_id", CandidValue.Principal(canisterId)), ("settings", ManagementTypes.SettingsValue(settings))),
            EffectivePrincipal.None, cancellationToken);

    private Task<byte[]> CanisterIdCallAsync(Principal sender, string method, Principal canisterId, CancellationToken cancellationToken) =>
        CallAsync(sender, method, ManagementTypes.CanisterIdRecord, CandidValue.Record(("canister_id", CandidValue.Principal(canisterId))),
            EffectivePrincipal.None, cancellationToken);

    private async Task InstallChunkedAsync(Principal sender, Principal canisterId, byte[] wasm, byte[] arg, InstallMode mode, CancellationToken cancellationToken)
    {
        var ep = EffectivePrincipal.Canister(canisterId);
        var target = ("canister_id", (CandidValue)CandidValue.Principal(canisterId));
        await CallAsync(sender, "clear_chunk_store", ManagementTypes.CanisterIdRecord, CandidValue.Record(target), ep, cancellationToken).ConfigureAwait(false);

        var chunks = Enumerable.Range(0, (wasm.Length + ChunkSize - 1) / ChunkSize)
            .Select(i => wasm.AsSpan(i * ChunkSize, Math.Min(ChunkSize, wasm.Length - i * ChunkSize)).ToArray()).ToArray();
        var hashes = new CandidValue[chunks.Length];
        using var gate = new SemaphoreSlim(ConcurrentChunkUploads);
        await Task.WhenAll(chunks.Select(async (chunk, i) =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var reply = await CallAsync(sender, "upload_chunk", ManagementTypes.UploadChunkArgs,
                    CandidValue.Record(target, ("chunk", CandidValue.Blob(chunk))), ep, cancellationToken).ConfigureAwait(false);
                hashes[i] = CandidValue.Record(("hash", CandidValue.Blob(CandidBinary.Decode(reply, ManagementTypes.ChunkHash).AsRecord()["hash"].AsBlob())));
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);

        var value = CandidValue.Record(
            ("mode", ManagementTypes.ModeValue(mode)),
            ("target_canister", CandidValue.Principal(canisterId)),
            ("store_canister", CandidValue.None),
            ("chunk_hashes_list", CandidValue.Vec(hashes)),
            ("wasm_module_hash", CandidValue.Blob(SHA256.HashData(wasm))),
            ("arg", CandidValue.Blob(arg)),
            ("sender_canister_version", CandidValue.None));
        await CallAsync(sender, "install_chunked_code", ManagementTypes.InstallChunkedCodeArgs, value, ep, cancellationToken).ConfigureAwait(false);
    }

    private async Task<byte[]> CallAsync(Principal sender, string method, CandidType type, CandidValue value, EffectivePrincipal ep,
        CancellationToken cancellationToken)
    {
        var call = new CanisterCall(sender, Principal.ManagementCanister, method, CandidBinary.Encode(type, value)) { EffectivePrincipal = ep };
        var outcome = await _instance.UpdateCallAsync(call, cancellationToken).ConfigureAwait(false);
        return outcome.ReplyOrThrow(method);
    }
}
