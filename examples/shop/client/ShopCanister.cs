using Platform.Candid;
using Platform.Engine.Client;

namespace Shop.Client;

/// <summary>A canister of the shop called as a customer calls it (anonymous): Candid text in, the decoded answer out.</summary>
public sealed class ShopCanister(PocketIcInstance instance, Principal id, CandidServiceDescription service)
{
    public Principal Id { get; } = id;

    /// <summary>Calls <paramref name="method"/> (as a query when the interface says so) with <paramref name="args"/>; its one result.</summary>
    public async Task<CandidValue> CallAsync(string method, string args = "()", CancellationToken cancellationToken = default)
    {
        var type = service.Method(method).Type;
        var payload = CandidBinary.Encode(CandidText.ParseArgs(args, type.Args, service.Types));
        var call = new CanisterCall(Principal.Anonymous, Id, method, payload);
        var outcome = type.Modes.HasFlag(FuncModes.Query)
            ? await instance.QueryCallAsync(call, cancellationToken)
            : await instance.UpdateCallAsync(call, cancellationToken);
        return CandidBinary.Decode(outcome.ReplyOrThrow($"{method} of {Id}"), type.Results).Values.Single();
    }
}
