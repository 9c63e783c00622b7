namespace Platform.Candid;

/// <summary>Bytes that are not a valid Candid message, or a message whose values do not fit the expected types.</summary>
public sealed class CandidDecodeException : Exception
{
    public CandidDecodeException(string message, int offset) : base(offset >= 0 ? $"{message} (at byte {offset})" : message) =>
        Offset = offset;

    /// <summary>Where in the message the problem was found; -1 when it is about types rather than bytes.</summary>
    public int Offset { get; }
}
