namespace Platform.Engine.Client;

/// <summary>The server refused or failed a request (its <c>{"message"}</c>), or answered something that is not PocketIC's.</summary>
public sealed class PocketIcException(string message, int? statusCode = null) : Exception(message)
{
    public int? StatusCode { get; } = statusCode;
}

/// <summary>A canister (or the management canister) rejected a call.</summary>
public sealed class CanisterRejectedException(string what, CallRejected reject)
    : Exception($"{what} was rejected: {reject.RejectMessage} (reject code {reject.RejectCode}, {reject.ErrorCode})")
{
    public CallRejected Reject { get; } = reject;
}
