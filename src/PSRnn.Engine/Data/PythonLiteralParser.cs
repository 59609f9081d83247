using System.Globalization;
using System.Numerics;
using System.Text;

namespace PSRnn.Engine.Data;

/// <summary>
/// A strict parser for the Python literal in a .npy header, which NumPy reads with <c>ast.literal_eval</c>: strings
/// ('…' or "…", with Python's escapes — \x3c, \074, \u003c, \n, … — the u and r prefixes, and adjacent literals
/// concatenated), integers (with Python 2's <c>L</c> suffix, which NumPy filters out of old headers),
/// <c>True</c>/<c>False</c>/<c>None</c>, tuples, lists and dicts, with trailing commas and any whitespace. Nothing is
/// evaluated: anything else fails. Bytes literals (b'…') parse as <see cref="PythonBytes"/>, which no header field accepts,
/// as NumPy does not.
/// </summary>
/// <remarks>
/// Values come back as <see cref="string"/>, <see cref="BigInteger"/> (so an absurd dimension is still a
/// number to report, not a parse error), <see cref="bool"/>, <see cref="PythonNone"/>, <see cref="PythonTuple"/>,
/// <see cref="List{T}"/> of object and <see cref="PythonDict"/>.
/// </remarks>
internal sealed class PythonLiteralParser
{
    // Real headers nest three deep at most ({ 'shape': ( ) } or a structured descr); this only guards the stack.
    private const int MaxDepth = 64;

    private readonly string _text;
    private int _pos;

    private PythonLiteralParser(string text) => _text = text;

    /// <summary>Parses the whole text as one literal; throws <see cref="FormatException"/> with the reason.</summary>
    public static object Parse(string text)
    {
        var parser = new PythonLiteralParser(text);
        object value = parser.ParseValue(0);
        parser.SkipWhitespace();
        if (parser._pos != text.Length)
        {
            throw parser.Error("unexpected text after the literal");
        }

        return value;
    }

    private object ParseValue(int depth)
    {
        if (depth > MaxDepth)
        {
            throw Error("the literal is nested too deeply");
        }

        SkipWhitespace();
        if (_pos >= _text.Length)
        {
            throw Error("the text ends where a value was expected");
        }

        char c = _text[_pos];
        if (StringPrefixLength() is int prefix)
        {
            return ParseStrings(prefix);
        }

        switch (c)
        {
            case '{':
                return ParseDict(depth);
            case '(':
                return ParseTuple(depth);
            case '[':
                _pos++;
                return ParseItems(']', depth, out _);
            default:
                if (c is '-' or '+' || char.IsAsciiDigit(c))
                {
                    return ParseInteger();
                }

                if (char.IsAsciiLetter(c))
                {
                    return ParseName();
                }

                throw Error($"unexpected character '{c}'");
        }
    }

    private PythonDict ParseDict(int depth)
    {
        _pos++; // '{'
        var dict = new PythonDict();
        while (true)
        {
            SkipWhitespace();
            if (TryConsume('}'))
            {
                return dict;
            }

            object key = ParseValue(depth + 1);
            SkipWhitespace();
            if (!TryConsume(':'))
            {
                throw Error("expected ':' after a dictionary key");
            }

            object value = ParseValue(depth + 1);
            if (key is not string name)
            {
                throw Error("a header dictionary key is not a string");
            }

            if (!dict.TryAdd(name, value))
            {
                throw Error($"the key '{name}' appears twice");
            }

            SkipWhitespace();
            if (TryConsume('}'))
            {
                return dict;
            }

            if (!TryConsume(','))
            {
                throw Error("expected ',' or '}' in a dictionary");
            }
        }
    }

    private object ParseTuple(int depth)
    {
        _pos++; // '('
        List<object> items = ParseItems(')', depth, out bool sawComma);

        // "(2)" is the number 2 in parentheses, not a tuple; "(2,)" and "()" are tuples.
        return items.Count == 1 && !sawComma ? items[0] : new PythonTuple(items);
    }

    private List<object> ParseItems(char close, int depth, out bool sawComma)
    {
        var items = new List<object>();
        sawComma = false;
        while (true)
        {
            SkipWhitespace();
            if (TryConsume(close))
            {
                return items;
            }

            items.Add(ParseValue(depth + 1));
            SkipWhitespace();
            if (TryConsume(close))
            {
                return items;
            }

            if (!TryConsume(','))
            {
                throw Error($"expected ',' or '{close}'");
            }

            sawComma = true;
        }
    }

    // The length of a string prefix (none, u, r, b, rb, br in any case) when a string literal starts here, else null.
    private int? StringPrefixLength()
    {
        int i = _pos;
        while (i < _text.Length && i - _pos < 2 && _text[i] is 'u' or 'U' or 'r' or 'R' or 'b' or 'B')
        {
            i++;
        }

        if (i >= _text.Length || _text[i] is not ('\'' or '"'))
        {
            return null;
        }

        string prefix = _text[_pos..i].ToLowerInvariant();
        return prefix is "" or "u" or "r" or "b" or "rb" or "br" ? i - _pos : null;
    }

    private bool TryStringPrefix(out int prefix)
    {
        prefix = StringPrefixLength() ?? -1;
        return prefix >= 0;
    }

    // One or more adjacent literals ('<' 'f4' is '<f4' to Python); str and bytes cannot be mixed.
    private object ParseStrings(int prefix)
    {
        var value = new StringBuilder();
        bool? bytes = null;
        do
        {
            string p = _text.Substring(_pos, prefix).ToLowerInvariant();
            _pos += prefix;
            bool isBytes = p.Contains('b', StringComparison.Ordinal);
            if (bytes is bool b && b != isBytes)
            {
                throw Error("str and bytes literals are joined");
            }

            bytes = isBytes;
            ParseString(value, raw: p.Contains('r', StringComparison.Ordinal), isBytes);
            SkipWhitespace();
        }
        while (TryStringPrefix(out prefix));

        return bytes == true ? new PythonBytes(value.ToString()) : value.ToString();
    }

    private void ParseString(StringBuilder value, bool raw, bool isBytes)
    {
        char quote = _text[_pos++];
        while (true)
        {
            if (_pos >= _text.Length || _text[_pos] == '\n')
            {
                throw Error("a string is not closed");
            }

            char c = _text[_pos++];
            if (c == quote)
            {
                return;
            }

            if (c != '\\')
            {
                value.Append(c);
                continue;
            }

            if (_pos >= _text.Length)
            {
                throw Error("a string is not closed");
            }

            char escaped = _text[_pos++];
            if (raw)
            {
                // A raw string keeps the backslash; it still cannot end the string with an escaped quote.
                value.Append('\\').Append(escaped);
                continue;
            }

            switch (escaped)
            {
                case '\n':
                    break; // a backslash-newline continues the line
                case '\\' or '\'' or '"':
                    value.Append(escaped);
                    break;
                case 'a': value.Append('\a'); break;
                case 'b': value.Append('\b'); break;
                case 'f': value.Append('\f'); break;
                case 'n': value.Append('\n'); break;
                case 'r': value.Append('\r'); break;
                case 't': value.Append('\t'); break;
                case 'v': value.Append('\v'); break;
                case >= '0' and <= '7':
                    // Up to three octal digits: \0, \74, \074.
                    int code = escaped - '0';
                    for (int n = 1; n < 3 && _pos < _text.Length && _text[_pos] is >= '0' and <= '7'; n++)
                    {
                        code = (code * 8) + (_text[_pos++] - '0');
                    }

                    value.Append((char)code);
                    break;
                case 'x':
                    value.Append((char)HexEscape(2));
                    break;
                case 'u' when !isBytes:
                    value.Append((char)HexEscape(4));
                    break;
                case 'U' when !isBytes:
                    uint scalar = HexEscape(8);
                    if (scalar > 0x10FFFF)
                    {
                        throw Error("a \\U escape beyond U+10FFFF");
                    }

                    value.Append(char.ConvertFromUtf32(scalar is >= 0xD800 and <= 0xDFFF ? 0xFFFD : (int)scalar));
                    break;
                case 'N' when !isBytes:
                    throw Error("a named Unicode escape (\\N{...}); write the character itself or a \\x escape");
                default:
                    // Python keeps an unknown escape as it is, backslash and all.
                    value.Append('\\').Append(escaped);
                    break;
            }
        }
    }

    // Unsigned: eight hex digits can exceed int (\UC3333333, found by fuzzing, parsed as a negative code point).
    private uint HexEscape(int digits)
    {
        if (_text.Length - _pos < digits
            || !uint.TryParse(_text.AsSpan(_pos, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint code))
        {
            throw Error($"a \\{(digits == 2 ? 'x' : digits == 4 ? 'u' : 'U')} escape needs {digits} hexadecimal digits");
        }

        _pos += digits;
        return code;
    }

    private BigInteger ParseInteger()
    {
        bool negative = false;
        while (_pos < _text.Length && _text[_pos] is '-' or '+')
        {
            negative ^= _text[_pos] == '-';
            _pos++;
            SkipWhitespace();
        }

        int start = _pos;
        while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos]))
        {
            _pos++;
        }

        if (_pos == start)
        {
            throw Error("expected digits");
        }

        // Python 3 refuses leading zeros ("007"); only "0" itself may start with 0.
        if (_text[start] == '0' && _pos - start > 1)
        {
            throw Error("an integer has leading zeros");
        }

        BigInteger value = BigInteger.Parse(_text.AsSpan(start, _pos - start), NumberStyles.None, CultureInfo.InvariantCulture);
        if (_pos < _text.Length && _text[_pos] is 'L' or 'l')
        {
            _pos++; // Python 2 long suffix, as NumPy's _filter_header accepts.
        }

        if (_pos < _text.Length && (char.IsAsciiLetterOrDigit(_text[_pos]) || _text[_pos] is '.' or '_'))
        {
            throw Error("only plain decimal integers are allowed");
        }

        return negative ? -value : value;
    }

    private object ParseName()
    {
        int start = _pos;
        while (_pos < _text.Length && (char.IsAsciiLetterOrDigit(_text[_pos]) || _text[_pos] == '_'))
        {
            _pos++;
        }

        string name = _text[start.._pos];
        return name switch
        {
            "True" => true,
            "False" => false,
            "None" => PythonNone.Value,
            _ => throw Error($"'{name}' is not a literal (only True, False and None are)"),
        };
    }

    private void SkipWhitespace()
    {
        while (_pos < _text.Length && _text[_pos] is ' ' or '\t' or '\n' or '\r' or '\f' or '\v')
        {
            _pos++;
        }
    }

    private bool TryConsume(char c)
    {
        if (_pos < _text.Length && _text[_pos] == c)
        {
            _pos++;
            return true;
        }

        return false;
    }

    private FormatException Error(string what) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{what} (at character {_pos})"));
}

/// <summary>A Python tuple from a header literal.</summary>
internal sealed class PythonTuple(List<object> items)
{
    /// <summary>The elements.</summary>
    public List<object> Items { get; } = items;
}

/// <summary>A Python dict from a header literal, keys in order of appearance.</summary>
internal sealed class PythonDict : Dictionary<string, object>
{
    public PythonDict()
        : base(StringComparer.Ordinal)
    {
    }
}

/// <summary>A Python bytes literal (b'…') from a header: never a valid field, kept apart from strings so it is refused.</summary>
internal sealed class PythonBytes(string latin1)
{
    /// <summary>The bytes, one char each.</summary>
    public string Value { get; } = latin1;
}

/// <summary>Python's <c>None</c>.</summary>
internal sealed class PythonNone
{
    /// <summary>The one instance.</summary>
    public static readonly PythonNone Value = new();

    private PythonNone()
    {
    }
}
