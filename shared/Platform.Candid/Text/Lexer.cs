using System.Globalization;
using System.Text;

namespace Platform.Candid;

internal enum TokenKind { Identifier, Text, Number, Symbol, End }

/// <summary>A token; text literals keep their bytes because <c>\xx</c> escapes may make them invalid UTF-8 (blobs).</summary>
internal readonly record struct Token(TokenKind Kind, string Value, int Position, byte[]? Bytes = null)
{
    public bool Is(string symbolOrKeyword) =>
        Kind is TokenKind.Symbol or TokenKind.Identifier && Value == symbolOrKeyword;

    public string Describe() => Kind switch
    {
        TokenKind.End => "the end of the text",
        TokenKind.Text => "a text literal",
        _ => $"'{Value}'",
    };
}

internal sealed class Lexer
{
    private readonly string _text;
    private int _pos;

    private Lexer(string text) => _text = text;

    public static List<Token> Tokenize(string text)
    {
        var lexer = new Lexer(text);
        var tokens = new List<Token>();
        Token token;
        do tokens.Add(token = lexer.Next()); while (token.Kind != TokenKind.End);
        return tokens;
    }

    public static CandidParseException Error(string text, int position, string message)
    {
        int line = 1, column = 1;
        for (var i = 0; i < position && i < text.Length; i++)
        {
            if (text[i] == '\n') { line++; column = 1; }
            else column++;
        }
        return new CandidParseException(message, position, line, column);
    }

    private CandidParseException Error(int position, string message) => Error(_text, position, message);

    private Token Next()
    {
        SkipSpaceAndComments();
        if (_pos >= _text.Length) return new Token(TokenKind.End, "", _pos);
        var start = _pos;
        var c = _text[_pos];
        if (char.IsAsciiLetter(c) || c == '_')
        {
            while (_pos < _text.Length && (char.IsAsciiLetterOrDigit(_text[_pos]) || _text[_pos] == '_')) _pos++;
            return new Token(TokenKind.Identifier, _text[start.._pos], start);
        }
        if (char.IsAsciiDigit(c) || ((c == '-' || c == '+') && _pos + 1 < _text.Length && char.IsAsciiDigit(_text[_pos + 1])))
            return Number();
        if (c == '"') return TextLiteral();
        if (c == '-' && string.CompareOrdinal(_text, _pos, "-inf", 0, 4) == 0
            && (_pos + 4 >= _text.Length || !(char.IsAsciiLetterOrDigit(_text[_pos + 4]) || _text[_pos + 4] == '_')))
        {
            _pos += 4;
            return new Token(TokenKind.Number, "-inf", start);
        }
        if (c == '-' && _pos + 1 < _text.Length && _text[_pos + 1] == '>')
        {
            _pos += 2;
            return new Token(TokenKind.Symbol, "->", start);
        }
        if ("(){};:,=.".Contains(c))
        {
            _pos++;
            return new Token(TokenKind.Symbol, c.ToString(), start);
        }
        throw Error(start, $"unexpected character '{c}'");
    }

    private void SkipSpaceAndComments()
    {
        while (_pos < _text.Length)
        {
            if (char.IsWhiteSpace(_text[_pos])) _pos++;
            else if (Peek("//"))
            {
                while (_pos < _text.Length && _text[_pos] != '\n') _pos++;
            }
            else if (Peek("/*"))
            {
                // Block comments nest.
                var start = _pos;
                var depth = 0;
                do
                {
                    if (_pos >= _text.Length) throw Error(start, "the comment is not closed with */");
                    if (Peek("/*")) { depth++; _pos += 2; }
                    else if (Peek("*/")) { depth--; _pos += 2; }
                    else _pos++;
                } while (depth > 0);
            }
            else return;
        }
    }

    private bool Peek(string s) => string.CompareOrdinal(_text, _pos, s, 0, s.Length) == 0;

    private Token Number()
    {
        var start = _pos;
        if (_text[_pos] is '-' or '+') _pos++;
        if (Peek("0x") || Peek("0X"))
        {
            _pos += 2;
            var digitsStart = _pos;
            while (_pos < _text.Length && (char.IsAsciiHexDigit(_text[_pos]) || _text[_pos] == '_')) _pos++;
            if (_pos == digitsStart) throw Error(start, "a hexadecimal number needs digits after 0x");
        }
        else
        {
            Digits();
            if (_pos < _text.Length && _text[_pos] == '.' && !(_pos + 1 < _text.Length && char.IsAsciiLetter(_text[_pos + 1]) && _text[_pos + 1] is not ('e' or 'E')))
            {
                _pos++;
                Digits();
            }
            if (_pos < _text.Length && _text[_pos] is 'e' or 'E')
            {
                _pos++;
                if (_pos < _text.Length && _text[_pos] is '+' or '-') _pos++;
                if (_pos >= _text.Length || !char.IsAsciiDigit(_text[_pos])) throw Error(start, "an exponent needs digits");
                Digits();
            }
        }
        if (_pos < _text.Length && (char.IsAsciiLetter(_text[_pos]) || _text[_pos] == '_'))
            throw Error(start, $"'{_text[start..(_pos + 1)]}' is not a number");
        return new Token(TokenKind.Number, _text[start.._pos], start);
    }

    private void Digits()
    {
        while (_pos < _text.Length && (char.IsAsciiDigit(_text[_pos]) || _text[_pos] == '_')) _pos++;
    }

    private Token TextLiteral()
    {
        var start = _pos++;
        var bytes = new List<byte>();
        Span<byte> utf8 = stackalloc byte[4];
        while (true)
        {
            if (_pos >= _text.Length) throw Error(start, "the text literal is not closed with \"");
            var c = _text[_pos];
            if (c == '"')
            {
                _pos++;
                break;
            }
            if (c != '\\')
            {
                if (!Rune.TryGetRuneAt(_text, _pos, out var rune)) throw Error(_pos, "an unpaired surrogate in a text literal");
                var n = rune.EncodeToUtf8(utf8);
                for (var i = 0; i < n; i++) bytes.Add(utf8[i]);
                _pos += rune.Utf16SequenceLength;
                continue;
            }
            var escape = _pos;
            _pos++;
            if (_pos >= _text.Length) throw Error(escape, "the text literal ends inside an escape");
            var e = _text[_pos];
            switch (e)
            {
                case 'n': bytes.Add((byte)'\n'); _pos++; break;
                case 'r': bytes.Add((byte)'\r'); _pos++; break;
                case 't': bytes.Add((byte)'\t'); _pos++; break;
                case '\\': bytes.Add((byte)'\\'); _pos++; break;
                case '"': bytes.Add((byte)'"'); _pos++; break;
                case '\'': bytes.Add((byte)'\''); _pos++; break;
                case 'u':
                {
                    _pos++;
                    if (_pos >= _text.Length || _text[_pos] != '{') throw Error(escape, "\\u must be followed by {hex}");
                    var close = _text.IndexOf('}', _pos);
                    if (close < 0) throw Error(escape, "\\u{ is not closed with }");
                    var hex = _text[(_pos + 1)..close].Replace("_", "");
                    if (hex.Length is 0 or > 6 || !int.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var scalar)
                        || !Rune.IsValid(scalar))
                        throw Error(escape, $"\\u{{{hex}}} is not a Unicode scalar value");
                    var n = new Rune(scalar).EncodeToUtf8(utf8);
                    for (var i = 0; i < n; i++) bytes.Add(utf8[i]);
                    _pos = close + 1;
                    break;
                }
                default:
                    if (_pos + 1 < _text.Length && char.IsAsciiHexDigit(e) && char.IsAsciiHexDigit(_text[_pos + 1]))
                    {
                        bytes.Add(byte.Parse(_text.AsSpan(_pos, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
                        _pos += 2;
                        break;
                    }
                    throw Error(escape, $"unknown escape '\\{e}'");
            }
        }
        return new Token(TokenKind.Text, _text[start.._pos], start, bytes.ToArray());
    }
}
