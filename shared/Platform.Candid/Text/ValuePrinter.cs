using System.Globalization;
using System.Text;

namespace Platform.Candid;

/// <summary>
/// Writes values as Candid value text. Numbers of a kind other than int carry an annotation (<c>42 : nat</c>) so
/// that parsing the text back without types gives the same kinds.
/// </summary>
internal static class ValuePrinter
{
    public static string Print(CandidValue value)
    {
        var sb = new StringBuilder();
        Write(sb, value);
        return sb.ToString();
    }

    public static string PrintArgs(CandidArgs args)
    {
        var sb = new StringBuilder("(");
        for (var i = 0; i < args.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            Write(sb, args.Values[i]);
        }
        return sb.Append(')').ToString();
    }

    private static void Write(StringBuilder sb, CandidValue value)
    {
        var inv = CultureInfo.InvariantCulture;
        switch (value)
        {
            case NullValue: sb.Append("null"); break;
            case ReservedValue: sb.Append("null : reserved"); break;
            case BoolValue b: sb.Append(b.Value ? "true" : "false"); break;
            case NatValue n: sb.Append(n.Value.ToString(inv)).Append(" : nat"); break;
            case IntValue i: sb.Append(i.Value.ToString(inv)); break;
            case Nat8Value n: sb.Append(n.Value.ToString(inv)).Append(" : nat8"); break;
            case Nat16Value n: sb.Append(n.Value.ToString(inv)).Append(" : nat16"); break;
            case Nat32Value n: sb.Append(n.Value.ToString(inv)).Append(" : nat32"); break;
            case Nat64Value n: sb.Append(n.Value.ToString(inv)).Append(" : nat64"); break;
            case Int8Value i: sb.Append(i.Value.ToString(inv)).Append(" : int8"); break;
            case Int16Value i: sb.Append(i.Value.ToString(inv)).Append(" : int16"); break;
            case Int32Value i: sb.Append(i.Value.ToString(inv)).Append(" : int32"); break;
            case Int64Value i: sb.Append(i.Value.ToString(inv)).Append(" : int64"); break;
            case Float32Value f: sb.Append(Float(f.Value)).Append(" : float32"); break;
            case Float64Value f: sb.Append(Float(f.Value)).Append(" : float64"); break;
            case TextValue t: sb.Append(Quote(t.Value)); break;
            case PrincipalValue p: sb.Append("principal \"").Append(p.Value).Append('"'); break;
            case ServiceValue s: sb.Append("service \"").Append(s.Id).Append('"'); break;
            case FuncValue f:
                sb.Append("func \"").Append(f.Service).Append("\".").Append(TypePrinter.Name(f.Method));
                break;
            case OptValue { Value: null }: sb.Append("null"); break;
            case OptValue { Value: { } inner }:
                // `opt 5 : nat` would read as (opt 5) : nat; the annotation belongs inside.
                var annotated = inner is NatValue or Nat8Value or Nat16Value or Nat32Value or Nat64Value or Int8Value
                    or Int16Value or Int32Value or Int64Value or Float32Value or Float64Value or ReservedValue;
                sb.Append(annotated ? "opt (" : "opt ");
                Write(sb, inner);
                if (annotated) sb.Append(')');
                break;
            case BlobValue blob:
                sb.Append("blob \"");
                foreach (var b in blob.Bytes)
                {
                    if (b is >= 0x20 and < 0x7F && b != '"' && b != '\\' && b != '\'') sb.Append((char)b);
                    else sb.Append('\\').Append(b.ToString("x2", inv));
                }
                sb.Append('"');
                break;
            case VecValue vec:
                sb.Append("vec {");
                for (var i = 0; i < vec.Items.Count; i++)
                {
                    sb.Append(i == 0 ? " " : "; ");
                    Write(sb, vec.Items[i]);
                }
                sb.Append(vec.Items.Count == 0 ? "}" : " }");
                break;
            case RecordValue record:
            {
                var tuple = true;
                for (var i = 0; i < record.Fields.Count; i++)
                    tuple &= record.Fields[i].Id == i && record.Fields[i].Name is null;
                sb.Append("record {");
                for (var i = 0; i < record.Fields.Count; i++)
                {
                    sb.Append(i == 0 ? " " : "; ");
                    if (!tuple) sb.Append(Label(record.Fields[i].Id, record.Fields[i].Name)).Append(" = ");
                    Write(sb, record.Fields[i].Value);
                }
                sb.Append(record.Fields.Count == 0 ? "}" : " }");
                break;
            }
            case VariantValue variant:
                sb.Append("variant { ").Append(Label(variant.Id, variant.Name));
                if (variant.Value is not NullValue)
                {
                    sb.Append(" = ");
                    Write(sb, variant.Value);
                }
                sb.Append(" }");
                break;
            default:
                throw new InvalidOperationException($"Unknown value {value.GetType().Name}.");
        }
    }

    private static string Label(uint id, string? name) =>
        name is null ? id.ToString(CultureInfo.InvariantCulture) : TypePrinter.Name(name);

    private static string Float(double value)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsPositiveInfinity(value)) return "inf";
        if (double.IsNegativeInfinity(value)) return "-inf";
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.') || text.Contains('E') ? text : text + ".0";
    }

    private static string Float(float value)
    {
        if (!float.IsFinite(value)) return Float((double)value);
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.') || text.Contains('E') ? text : text + ".0";
    }

    /// <summary>A text literal: quotes and backslashes escaped, control characters as \u{...}.</summary>
    public static string Quote(string text)
    {
        var sb = new StringBuilder(text.Length + 2).Append('"');
        foreach (var rune in text.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case < 0x20 or 0x7F:
                    sb.Append("\\u{").Append(rune.Value.ToString("x", CultureInfo.InvariantCulture)).Append('}');
                    break;
                default: sb.Append(rune.ToString()); break;
            }
        }
        return sb.Append('"').ToString();
    }
}
