namespace Platform.Engine.Canisters;

/// <summary>The IC's reject codes (interface specification, "Reject codes").</summary>
internal enum RejectCode
{
    SysFatal = 1,
    SysTransient = 2,
    DestinationInvalid = 3,
    CanisterReject = 4,
    CanisterError = 5,
    SysUnknown = 6,
}

/// <summary>How a call ended: a reply with data, or a reject with the IC's code, message and error code.</summary>
internal abstract record CallResult;

internal sealed record CallReply(byte[] Data) : CallResult;

/// <param name="ErrorCode">The replica's error code name (e.g. <c>CanisterCalledTrap</c>), as PocketIC reports it.</param>
internal sealed record CallReject(RejectCode Code, string Message, string ErrorCode) : CallResult
{
    public static CallReject CanisterNotFound(string canister) =>
        new(RejectCode.DestinationInvalid, $"Canister {canister} not found", "CanisterNotFound");
}
