using System.Globalization;
using System.Text;

namespace Platform.Candid;

/// <summary>Parses Candid type text (definitions, service descriptions) and value text into an untyped tree.</summary>
internal sealed class Parser
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private readonly string _text;
    private readonly List<Token> _tokens;
    private int _index;
    // Named types: one knot per name, tied when the whole text is read (definitions may come in any order).
    private readonly Dictionary<string, KnotType> _knots = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _firstUse = new(StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, CandidType>? _environment;

    public Parser(string text, IReadOnlyDictionary<string, CandidType>? environment = null)
    {
        _text = text;
        _tokens = Lexer.Tokenize(text);
        _environment = environment;
    }

    // Service descriptions come from uploaded modules; a text nesting a million opts must be an error, not a crash.
    private const int MaxDepth = 500;
    private int _depth;

    private Token Current => _tokens[_index];

    private void Enter()
    {
        if (++_depth > MaxDepth) throw Error(Current.Position, $"types or values nest deeper than {MaxDepth} levels");
    }

    private Token PeekAt(int offset) => _tokens[Math.Min(_index + offset, _tokens.Count - 1)];

    public CandidParseException Error(int position, string message) => Lexer.Error(_text, position, message);

    private Token Advance() => _tokens[_index++ < _tokens.Count - 1 ? _index - 1 : _tokens.Count - 1];

    private bool Accept(string symbol)
    {
        if (!Current.Is(symbol) || Current.Kind == TokenKind.Text) return false;
        _index++;
        return true;
    }

    private Token Expect(string symbol, string? context = null)
    {
        if (Current.Is(symbol) && Current.Kind != TokenKind.Text) return Advance();
        throw Error(Current.Position, $"expected '{symbol}'{(context is null ? "" : " " + context)}, found {Current.Describe()}");
    }

    public void ExpectEnd()
    {
        if (Current.Kind != TokenKind.End) throw Error(Current.Position, $"unexpected {Current.Describe()} after the end");
    }

    // ---------------------------------------------------------------- service descriptions and types

    public CandidServiceDescription ParseServiceDescription()
    {
        var definitions = new Dictionary<string, CandidType>(StringComparer.Ordinal);
        var definitionPositions = new Dictionary<string, int>(StringComparer.Ordinal);
        IReadOnlyList<CandidType> initArgs = [];
        CandidType? service = null;
        int servicePosition = 0;
        while (Current.Kind != TokenKind.End)
        {
            if (Current.Is("type"))
            {
                Advance();
                var nameToken = Current;
                var name = Identifier("a type name");
                Expect("=", "after the type name");
                if (definitions.ContainsKey(name)) throw Error(nameToken.Position, $"type {name} is defined twice");
                definitions[name] = DataType();
                definitionPositions[name] = nameToken.Position;
            }
            else if (Current.Is("import"))
                throw Error(Current.Position, "imports are not supported: give the whole description in one text");
            else if (Current.Is("service"))
            {
                if (service is not null) throw Error(Current.Position, "a description has one service");
                Advance();
                if (Current.Kind == TokenKind.Identifier && !Current.Is(":")) Advance(); // the service's optional name
                Expect(":", "after 'service'");
                servicePosition = Current.Position;
                if (Current.Is("("))
                {
                    initArgs = Tuple();
                    Expect("->", "after the service's init arguments");
                    servicePosition = Current.Position;
                }
                service = Current.Is("{") ? ServiceBody() : NamedReference();
            }
            else
                throw Error(Current.Position, $"expected 'type' or 'service', found {Current.Describe()}");
            Accept(";");
        }
        Tie(definitions, definitionPositions);
        foreach (var type in definitions.Values.Concat(initArgs).Concat(service is null ? [] : [service]))
            TypeGraph.ReplaceKnots(type);
        var resolved = definitions.ToDictionary(d => d.Key, d => TypeGraph.Untie(d.Value), StringComparer.Ordinal);
        var args = initArgs.Select(TypeGraph.Untie).ToArray();
        ServiceType? serviceType = null;
        if (service is not null)
        {
            serviceType = TypeGraph.Untie(service) as ServiceType
                ?? throw Error(servicePosition, "the service's type is not a service type");
        }
        foreach (var type in resolved.Values.Concat(args).Concat(serviceType is null ? [] : [serviceType]))
            CheckMethods(type);
        return new CandidServiceDescription(resolved, args, serviceType);
    }

    /// <summary>A single data type, names resolved from the environment only.</summary>
    public CandidType ParseStandaloneType()
    {
        var type = DataType();
        ExpectEnd();
        return Finish(type);
    }

    public IReadOnlyList<CandidType> ParseStandaloneTuple()
    {
        var types = Tuple();
        ExpectEnd();
        return types.Select(Finish).ToArray();
    }

    private CandidType Finish(CandidType type)
    {
        Tie(new Dictionary<string, CandidType>(), new Dictionary<string, int>());
        TypeGraph.ReplaceKnots(type);
        type = TypeGraph.Untie(type);
        CheckMethods(type);
        return type;
    }

    private void Tie(Dictionary<string, CandidType> definitions, Dictionary<string, int> positions)
    {
        foreach (var (name, knot) in _knots)
        {
            if (definitions.TryGetValue(name, out var definition)) knot.Tie(definition);
            else if (_environment is not null && _environment.TryGetValue(name, out var known)) knot.Tie(known);
            else throw Error(_firstUse[name], $"type {name} is not defined");
        }
        foreach (var (name, _) in _knots)
        {
            try { TypeGraph.Untie(_knots[name]); }
            catch (InvalidOperationException)
            {
                throw Error(positions.GetValueOrDefault(name, _firstUse[name]), $"type {name} is defined as itself");
            }
        }
    }

    private void CheckMethods(CandidType root)
    {
        var seen = new HashSet<CandidType>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<CandidType>([root]);
        while (pending.Count > 0)
        {
            var type = pending.Pop();
            if (!seen.Add(type)) continue;
            if (type is ServiceType service)
                foreach (var method in service.Methods)
                    if (method.RawType is not FuncType)
                        throw Error(0, $"method {method.Name} does not have a func type");
            foreach (var child in TypeGraph.Children(type)) pending.Push(child);
        }
    }

    private string Identifier(string what)
    {
        if (Current.Kind != TokenKind.Identifier) throw Error(Current.Position, $"expected {what}, found {Current.Describe()}");
        return Advance().Value;
    }

    private CandidType NamedReference()
    {
        var token = Current;
        var name = Identifier("a type");
        if (!_knots.TryGetValue(name, out var knot))
        {
            _knots[name] = knot = new KnotType();
            _firstUse[name] = token.Position;
        }
        return knot;
    }

    public CandidType DataType()
    {
        Enter();
        try { return DataTypeCore(); }
        finally { _depth--; }
    }

    private CandidType DataTypeCore()
    {
        var token = Current;
        if (token.Kind != TokenKind.Identifier) throw Error(token.Position, $"expected a type, found {token.Describe()}");
        switch (token.Value)
        {
            case "null": Advance(); return CandidType.Null;
            case "bool": Advance(); return CandidType.Bool;
            case "nat": Advance(); return CandidType.Nat;
            case "int": Advance(); return CandidType.Int;
            case "nat8": Advance(); return CandidType.Nat8;
            case "nat16": Advance(); return CandidType.Nat16;
            case "nat32": Advance(); return CandidType.Nat32;
            case "nat64": Advance(); return CandidType.Nat64;
            case "int8": Advance(); return CandidType.Int8;
            case "int16": Advance(); return CandidType.Int16;
            case "int32": Advance(); return CandidType.Int32;
            case "int64": Advance(); return CandidType.Int64;
            case "float32": Advance(); return CandidType.Float32;
            case "float64": Advance(); return CandidType.Float64;
            case "text": Advance(); return CandidType.Text;
            case "reserved": Advance(); return CandidType.Reserved;
            case "empty": Advance(); return CandidType.Empty;
            case "principal": Advance(); return CandidType.Principal;
            case "blob": Advance(); return CandidType.Blob;
            case "opt": Advance(); return new OptType(DataType());
            case "vec": Advance(); return CandidType.Vec(DataType());
            case "record": Advance(); return new RecordType(FieldTypes(isVariant: false));
            case "variant": Advance(); return new VariantType(FieldTypes(isVariant: true));
            case "func": Advance(); return FuncSignature();
            case "service":
                Advance();
                return Current.Is("{") ? ServiceBody() : NamedReference();
            default:
                if (TypePrinter.IsPlainIdentifier(token.Value)) return NamedReference();
                throw Error(token.Position, $"'{token.Value}' is a keyword, not a type");
        }
    }

    private List<CandidField> FieldTypes(bool isVariant)
    {
        Expect("{", isVariant ? "after 'variant'" : "after 'record'");
        var fields = new List<CandidField>();
        var ids = new Dictionary<uint, int>();
        uint next = 0;
        while (!Accept("}"))
        {
            var start = Current;
            CandidField field;
            if (PeekAt(1).Is(":") && PeekAt(1).Kind == TokenKind.Symbol && start.Kind is TokenKind.Number or TokenKind.Identifier or TokenKind.Text)
            {
                var (id, name) = FieldLabel();
                Advance(); // ':'
                field = new CandidField(id, DataType(), name);
            }
            else if (isVariant && start.Kind is TokenKind.Identifier or TokenKind.Text && (PeekAt(1).Is(";") || PeekAt(1).Is("}")))
            {
                var (id, name) = FieldLabel();
                field = new CandidField(id, CandidType.Null, name);
            }
            else if (isVariant && start.Kind == TokenKind.Number && (PeekAt(1).Is(";") || PeekAt(1).Is("}")))
            {
                var (id, _) = FieldLabel();
                field = new CandidField(id, CandidType.Null);
            }
            else
                field = new CandidField(next, DataType());
            if (ids.ContainsKey(field.Id))
                throw Error(start.Position, $"field {field.Label} has the id {field.Id} of an earlier field");
            ids[field.Id] = start.Position;
            next = field.Id + 1;
            fields.Add(field);
            if (!Accept(";"))
            {
                Expect("}", "or ';' between fields");
                break;
            }
        }
        return fields;
    }

    /// <summary>A field's name (identifier or text) or number, at the current token.</summary>
    private (uint Id, string? Name) FieldLabel()
    {
        var token = Advance();
        switch (token.Kind)
        {
            case TokenKind.Number:
                if (!uint.TryParse(token.Value.Replace("_", ""), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                    throw Error(token.Position, $"field id {token.Value} is not a number from 0 to {uint.MaxValue}");
                return (id, null);
            case TokenKind.Text:
                var name = Utf8(token);
                return (CandidField.IdOf(name), name);
            default:
                return (CandidField.IdOf(token.Value), token.Value);
        }
    }

    private string Utf8(Token token)
    {
        try { return StrictUtf8.GetString(token.Bytes!); }
        catch (DecoderFallbackException) { throw Error(token.Position, "the text is not valid UTF-8"); }
    }

    private FuncType FuncSignature()
    {
        var args = Tuple();
        Expect("->", "between a function's arguments and results");
        var results = Tuple();
        var modes = FuncModes.None;
        while (true)
        {
            if (Accept("query")) modes |= FuncModes.Query;
            else if (Accept("composite_query")) modes |= FuncModes.CompositeQuery;
            else if (Accept("oneway")) modes |= FuncModes.Oneway;
            else break;
        }
        return new FuncType(args, results, modes);
    }

    private List<CandidType> Tuple()
    {
        Expect("(", "to open the argument list");
        var types = new List<CandidType>();
        while (!Accept(")"))
        {
            // An argument may carry a name (owner : principal); it documents, the type is what counts.
            if (Current.Kind is TokenKind.Identifier or TokenKind.Text && PeekAt(1).Is(":") && PeekAt(1).Kind == TokenKind.Symbol)
                _index += 2;
            types.Add(DataType());
            if (!Accept(","))
            {
                Expect(")", "or ',' between arguments");
                break;
            }
        }
        return types;
    }

    private ServiceType ServiceBody()
    {
        Expect("{", "to open the service's methods");
        var methods = new List<CandidMethod>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (!Accept("}"))
        {
            var token = Current;
            var name = token.Kind switch
            {
                TokenKind.Identifier => Advance().Value,
                TokenKind.Text => Utf8(Advance()),
                _ => throw Error(token.Position, $"expected a method name, found {token.Describe()}"),
            };
            if (!names.Add(name)) throw Error(token.Position, $"method {name} is defined twice");
            Expect(":", "after the method name");
            CandidType type = Current.Is("(") ? FuncSignature() : DataType();
            methods.Add(new CandidMethod(name, type));
            if (!Accept(";"))
            {
                Expect("}", "or ';' between methods");
                break;
            }
        }
        var service = new ServiceType([]);
        service.SetMethodsUnchecked(methods);
        return service;
    }

    // ---------------------------------------------------------------- values

    public List<ValueNode> Arguments()
    {
        Expect("(", "to open the argument list");
        var values = new List<ValueNode>();
        while (!Accept(")"))
        {
            values.Add(AnnotatedValue());
            if (!Accept(","))
            {
                Expect(")", "or ',' between arguments");
                break;
            }
        }
        return values;
    }

    public ValueNode AnnotatedValue()
    {
        var value = Value();
        if (Current.Is(":") && Current.Kind == TokenKind.Symbol)
        {
            Advance();
            var typeStart = Current.Position;
            var type = Finish(DataType());
            return new ValueNode.Annotated(value.Position, value, type, typeStart);
        }
        return value;
    }

    private ValueNode Value()
    {
        Enter();
        try { return ValueCore(); }
        finally { _depth--; }
    }

    private ValueNode ValueCore()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Number:
                Advance();
                return new ValueNode.Number(token.Position, token.Value);
            case TokenKind.Text:
                Advance();
                return new ValueNode.Text(token.Position, token.Bytes!);
            case TokenKind.Symbol when token.Value == "(":
            {
                Advance();
                var inner = AnnotatedValue();
                Expect(")", "to close the parenthesis");
                return inner;
            }
            case TokenKind.Identifier:
                Advance();
                switch (token.Value)
                {
                    case "true": return new ValueNode.Bool(token.Position, true);
                    case "false": return new ValueNode.Bool(token.Position, false);
                    case "null": return new ValueNode.Null(token.Position);
                    // Not in the grammar's literals, but how floats that are not numbers print.
                    case "nan" or "inf": return new ValueNode.Number(token.Position, token.Value);
                    case "opt": return new ValueNode.Opt(token.Position, Value());
                    case "blob": return new ValueNode.Blob(token.Position, TextToken("after 'blob'").Bytes!);
                    case "principal": return new ValueNode.Principal(token.Position, PrincipalText("after 'principal'"));
                    case "service": return new ValueNode.Service(token.Position, PrincipalText("after 'service'"));
                    case "func":
                    {
                        var service = PrincipalText("after 'func'");
                        Expect(".", "between the func's service and method");
                        var methodToken = Current;
                        var method = methodToken.Kind switch
                        {
                            TokenKind.Identifier => Advance().Value,
                            TokenKind.Text => Utf8(Advance()),
                            _ => throw Error(methodToken.Position, $"expected a method name, found {methodToken.Describe()}"),
                        };
                        return new ValueNode.Func(token.Position, service, method);
                    }
                    case "vec":
                    {
                        Expect("{", "after 'vec'");
                        var items = new List<ValueNode>();
                        while (!Accept("}"))
                        {
                            items.Add(AnnotatedValue());
                            if (!Accept(";"))
                            {
                                Expect("}", "or ';' between elements");
                                break;
                            }
                        }
                        return new ValueNode.Vec(token.Position, items);
                    }
                    case "record":
                    {
                        Expect("{", "after 'record'");
                        var fields = new List<FieldNode>();
                        var ids = new HashSet<uint>();
                        uint next = 0;
                        while (!Accept("}"))
                        {
                            var field = FieldValue(next, isVariant: false);
                            if (!ids.Add(field.Id)) throw Error(field.Position, $"field {field.Label} appears twice");
                            next = field.Id + 1;
                            fields.Add(field);
                            if (!Accept(";"))
                            {
                                Expect("}", "or ';' between fields");
                                break;
                            }
                        }
                        return new ValueNode.Record(token.Position, fields);
                    }
                    case "variant":
                    {
                        Expect("{", "after 'variant'");
                        var field = FieldValue(0, isVariant: true);
                        Accept(";");
                        Expect("}", "a variant value has exactly one case");
                        return new ValueNode.Variant(token.Position, field);
                    }
                    default:
                        throw Error(token.Position, $"expected a value, found '{token.Value}'");
                }
            default:
                throw Error(token.Position, $"expected a value, found {token.Describe()}");
        }
    }

    private FieldNode FieldValue(uint next, bool isVariant)
    {
        var start = Current;
        if (PeekAt(1).Is("=") && PeekAt(1).Kind == TokenKind.Symbol && start.Kind is TokenKind.Number or TokenKind.Identifier or TokenKind.Text)
        {
            var (id, name) = FieldLabel();
            Advance(); // '='
            return new FieldNode(start.Position, id, name, AnnotatedValue());
        }
        if (isVariant && start.Kind is TokenKind.Identifier or TokenKind.Text or TokenKind.Number && (PeekAt(1).Is("}") || PeekAt(1).Is(";")))
        {
            var (id, name) = FieldLabel();
            return new FieldNode(start.Position, id, name, new ValueNode.Null(start.Position));
        }
        if (isVariant) throw Error(start.Position, "a variant value is written variant { name = value } or variant { name }");
        return new FieldNode(start.Position, next, null, AnnotatedValue());
    }

    private Token TextToken(string context)
    {
        if (Current.Kind != TokenKind.Text) throw Error(Current.Position, $"expected a text literal {context}, found {Current.Describe()}");
        return Advance();
    }

    private (string Text, int Position) PrincipalText(string context)
    {
        var token = TextToken(context);
        return (Utf8(token), token.Position);
    }
}

/// <summary>A value as written, before types give it a meaning (is 42 a nat, an int, a float64?).</summary>
internal abstract record ValueNode(int Position)
{
    public sealed record Number(int Position, string Raw) : ValueNode(Position)
    {
        public bool IsFloat => Raw is "nan" or "inf" or "-inf" || (!Raw.Contains("0x", StringComparison.OrdinalIgnoreCase)
            && (Raw.Contains('.') || Raw.Contains('e') || Raw.Contains('E')));
    }
    public sealed record Text(int Position, byte[] Bytes) : ValueNode(Position);
    public sealed record Bool(int Position, bool Value) : ValueNode(Position);
    public sealed record Null(int Position) : ValueNode(Position);
    public sealed record Opt(int Position, ValueNode Value) : ValueNode(Position);
    public sealed record Blob(int Position, byte[] Bytes) : ValueNode(Position);
    public sealed record Principal(int Position, (string Text, int Position) Id) : ValueNode(Position);
    public sealed record Service(int Position, (string Text, int Position) Id) : ValueNode(Position);
    public sealed record Func(int Position, (string Text, int Position) Target, string Method) : ValueNode(Position);
    public sealed record Vec(int Position, List<ValueNode> Items) : ValueNode(Position);
    public sealed record Record(int Position, List<FieldNode> Fields) : ValueNode(Position);
    public sealed record Variant(int Position, FieldNode Case) : ValueNode(Position);
    public sealed record Annotated(int Position, ValueNode Value, CandidType Type, int TypePosition) : ValueNode(Position);
}

internal sealed record FieldNode(int Position, uint Id, string? Name, ValueNode Value)
{
    public string Label => Name ?? Id.ToString(CultureInfo.InvariantCulture);
}
