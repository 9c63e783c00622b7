using System.Numerics;
using Platform.Candid;
using Platform.Engine.Client;

namespace Platform.IntegrationTests.Deploy;

/// <summary>Environment files and canister calls, as Deploy's tests write and make them.</summary>
public static class EnvironmentFiles
{
    public static string EnvFile(string env, string services, string ns = "shop", string extra = "") => $"""
        apiVersion: platform/v1
        kind: Environment
        metadata: {"{"} name: {env}, namespace: {ns} {"}"}
        spec:
        {extra}  services:
        {services}
        """;

    public static string Service(string name, string module, string? init = null, string extra = "") =>
        $"    {name}:\n      module: {module}\n" + (init is null ? "" : $"      init: '{init}'\n") + extra;

    /// <summary>The spec lines of a protected environment: <paramref name="required"/> of these approvers.</summary>
    public static string Protected(int required, string approvers, string expiresAfter = "72h") =>
        $"  protected: true\n  approvals: {{ required: {required}, approvers: [{approvers}], expiresAfter: {expiresAfter} }}\n";

    public static readonly byte[] NoArgs = CandidBinary.Encode(CandidArgs.Empty);

    /// <summary>Calls a test canister's method answering a nat (anonymously).</summary>
    public static async Task<BigInteger> CallNat(PocketIcInstance instance, string canisterId, string method, bool query = true, byte[]? payload = null)
    {
        var call = new CanisterCall(Principal.Anonymous, Principal.FromText(canisterId), method, payload ?? NoArgs);
        var outcome = query ? await instance.QueryCallAsync(call) : await instance.UpdateCallAsync(call);
        return CandidBinary.Decode(outcome.ReplyOrThrow(method), CandidType.Nat).AsNat();
    }
}
