namespace PSRnn.Engine.Serialization.Onnx;

/// <summary>An ONNX AttributeProto of one of the kinds the exporter uses: INT, FLOAT, STRING, INTS, FLOATS, STRINGS.</summary>
internal sealed class OnnxAttribute
{
    // AttributeProto.AttributeType numbers from onnx.proto.
    private const int TypeFloat = 1;
    private const int TypeInt = 2;
    private const int TypeString = 3;
    private const int TypeFloats = 6;
    private const int TypeInts = 7;
    private const int TypeStrings = 8;

    private readonly int _type;
    private readonly float[] _floats;
    private readonly long[] _ints;
    private readonly string[] _strings;

    private OnnxAttribute(string name, int type, float[]? floats = null, long[]? ints = null, string[]? strings = null)
    {
        Name = name;
        _type = type;
        _floats = floats ?? [];
        _ints = ints ?? [];
        _strings = strings ?? [];
    }

    /// <summary>The attribute name, such as <c>hidden_size</c>.</summary>
    public string Name { get; }

    /// <summary>An INT attribute.</summary>
    public static OnnxAttribute Int(string name, long value) => new(name, TypeInt, ints: [value]);

    /// <summary>A FLOAT attribute.</summary>
    public static OnnxAttribute Float(string name, float value) => new(name, TypeFloat, floats: [value]);

    /// <summary>A STRING attribute.</summary>
    public static OnnxAttribute String(string name, string value) => new(name, TypeString, strings: [value]);

    /// <summary>An INTS attribute.</summary>
    public static OnnxAttribute Ints(string name, params long[] values) => new(name, TypeInts, ints: values);

    /// <summary>A FLOATS attribute.</summary>
    public static OnnxAttribute Floats(string name, params float[] values) => new(name, TypeFloats, floats: values);

    /// <summary>A STRINGS attribute.</summary>
    public static OnnxAttribute Strings(string name, params string[] values) => new(name, TypeStrings, strings: values);

    /// <summary>Writes the AttributeProto fields (name 1, f 2, i 3, s 4, floats 7, ints 8, strings 9, type 20).</summary>
    public void WriteTo(ProtoWriter writer)
    {
        writer.WriteString(1, Name);
        switch (_type)
        {
            case TypeFloat:
                writer.WriteFloat(2, _floats[0]);
                break;
            case TypeInt:
                writer.WriteInt64(3, _ints[0]);
                break;
            case TypeString:
                writer.WriteString(4, _strings[0]);
                break;
            case TypeFloats:
                foreach (float f in _floats)
                {
                    writer.WriteFloat(7, f);
                }

                break;
            case TypeInts:
                foreach (long i in _ints)
                {
                    writer.WriteInt64(8, i);
                }

                break;
            default:
                foreach (string s in _strings)
                {
                    writer.WriteString(9, s);
                }

                break;
        }

        writer.WriteInt64(20, _type);
    }
}
