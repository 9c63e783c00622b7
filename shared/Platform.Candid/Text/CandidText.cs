namespace Platform.Candid;

/// <summary>
/// Candid's textual forms: service descriptions and types, argument and value text. Parse errors are
/// <see cref="CandidParseException"/> with the line, column and reason.
/// </summary>
public static class CandidText
{
    /// <summary>
    /// Argument text such as <c>(record { owner = principal "aaaaa-aa"; start = 41 : nat })</c>. With expected types
    /// (a method's or the init arguments), literals take those types (42 becomes a nat where the type says nat),
    /// missing trailing opt arguments become null, and the result carries the expected types; without, each value
    /// gets the type its text implies. Either way the result is ready for <see cref="CandidBinary.Encode(CandidArgs)"/>.
    /// </summary>
    /// <param name="namedTypes">Names that type annotations in the text may use (a description's <c>Types</c>).</param>
    public static CandidArgs ParseArgs(string text, IReadOnlyList<CandidType>? expectedTypes = null,
        IReadOnlyDictionary<string, CandidType>? namedTypes = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new Parser(text, namedTypes);
        var nodes = parser.Arguments();
        parser.ExpectEnd();
        return new ValueTyper(parser).Arguments(nodes, expectedTypes, Math.Max(0, text.TrimEnd().Length - 1));
    }

    /// <summary>One value; with no expected type it gets the type its text implies.</summary>
    public static (CandidValue Value, CandidType Type) ParseValue(string text, CandidType? expectedType = null,
        IReadOnlyDictionary<string, CandidType>? namedTypes = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new Parser(text, namedTypes);
        var node = parser.AnnotatedValue();
        parser.ExpectEnd();
        var typer = new ValueTyper(parser);
        return expectedType is null ? typer.Infer(node) : (typer.Check(node, expectedType), expectedType);
    }

    /// <summary>A <c>candid:service</c> text: <c>type</c> definitions in any order, then <c>service : ...</c>.</summary>
    public static CandidServiceDescription ParseService(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new Parser(text).ParseServiceDescription();
    }

    /// <summary>One data type, such as <c>record { owner : principal; subaccount : opt blob }</c>.</summary>
    public static CandidType ParseType(string text, IReadOnlyDictionary<string, CandidType>? namedTypes = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new Parser(text, namedTypes).ParseStandaloneType();
    }

    /// <summary>An argument type list, such as <c>(principal, opt nat)</c>.</summary>
    public static IReadOnlyList<CandidType> ParseTypes(string text, IReadOnlyDictionary<string, CandidType>? namedTypes = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new Parser(text, namedTypes).ParseStandaloneTuple();
    }

    public static string Print(CandidArgs args) => ValuePrinter.PrintArgs(args);

    public static string Print(CandidValue value) => ValuePrinter.Print(value);

    public static string Print(CandidType type) => TypePrinter.Print(type);
}
