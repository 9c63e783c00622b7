namespace Platform.Candid;

/// <summary>Candid text (types or values) that does not parse, or values that do not fit the expected types.</summary>
public sealed class CandidParseException : Exception
{
    public CandidParseException(string message, int position, int line, int column)
        : base($"line {line}, column {column}: {message}")
    {
        Position = position;
        Line = line;
        Column = column;
        Reason = message;
    }

    /// <summary>Offset in the text, from 0.</summary>
    public int Position { get; }

    /// <summary>From 1.</summary>
    public int Line { get; }

    /// <summary>From 1.</summary>
    public int Column { get; }

    /// <summary>The message without the position.</summary>
    public string Reason { get; }
}
